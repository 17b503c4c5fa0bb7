// The one source of time for everything that measures (steady) or stamps
// (wall) it: TTLs, the breaker, token expiry, login windows, timestamps.
// Production code takes util::clock::system(); tests take a fake_clock and
// move it by hand, so nothing that depends on time needs to sleep.
#pragma once

#include <atomic>
#include <chrono>

namespace wsd::util {

class clock {
 public:
  using steady_point = std::chrono::steady_clock::time_point;
  using wall_point = std::chrono::system_clock::time_point;

  virtual ~clock() = default;
  virtual steady_point steady() const noexcept = 0;
  virtual wall_point wall() const noexcept = 0;

  // The real clocks; lives for the whole process.
  static clock const& system() noexcept;
};

// A clock that stands still until advanced; both readings move together.
// Safe to read and advance from several threads.
class fake_clock : public clock {
 public:
  // 2026-11-24T04:30:00Z on the wall, an arbitrary far point on the steady clock.
  fake_clock() noexcept;
  explicit fake_clock(wall_point start) noexcept;

  steady_point steady() const noexcept override;
  wall_point wall() const noexcept override;
  void advance(std::chrono::nanoseconds by) noexcept { offset_.fetch_add(by.count()); }
  // Moves both readings so that wall() == t (backwards too).
  void set(wall_point t) noexcept;

 private:
  steady_point steady_start_;
  wall_point wall_start_;
  std::atomic<std::chrono::nanoseconds::rep> offset_{0};
};

}  // namespace wsd::util
