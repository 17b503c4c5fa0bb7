#include "wsd/util/clock.hpp"

namespace wsd::util {

namespace {

class system_clock final : public clock {
 public:
  steady_point steady() const noexcept override { return std::chrono::steady_clock::now(); }
  wall_point wall() const noexcept override { return std::chrono::system_clock::now(); }
};

}  // namespace

clock const& clock::system() noexcept {
  static system_clock const instance;
  return instance;
}

fake_clock::fake_clock() noexcept
    : fake_clock(std::chrono::sys_days{std::chrono::year{2026} / 11 / 24} + std::chrono::hours(4) +
                 std::chrono::minutes(30)) {}

fake_clock::fake_clock(wall_point start) noexcept
    : steady_start_(std::chrono::hours(1000)), wall_start_(start) {}

clock::steady_point fake_clock::steady() const noexcept {
  return steady_start_ + std::chrono::nanoseconds(offset_.load());
}

clock::wall_point fake_clock::wall() const noexcept {
  return wall_start_ +
         std::chrono::duration_cast<wall_point::duration>(std::chrono::nanoseconds(offset_.load()));
}

void fake_clock::set(wall_point t) noexcept {
  offset_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(t - wall_start_).count());
}

}  // namespace wsd::util
