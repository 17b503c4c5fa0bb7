#include "wsd/db/circuit_breaker.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/throw_exception.hpp>

#include "wsd/util/time.hpp"

namespace wsd::db {
namespace {

// What a caller waits while the probe runs: its answer is near.
constexpr std::chrono::seconds probe_wait{1};

std::chrono::seconds retry_after(std::chrono::steady_clock::duration left) noexcept {
  return std::max(probe_wait, std::chrono::ceil<std::chrono::seconds>(left));
}

}  // namespace

std::string_view to_string(breaker_state s) noexcept {
  switch (s) {
    case breaker_state::closed:
      return "closed";
    case breaker_state::open:
      return "open";
    case breaker_state::half_open:
      return "half_open";
  }
  return "unknown";
}

void throw_exception_from_error(refused const& e, boost::source_location const& loc) {
  boost::throw_with_location(std::runtime_error("circuit breaker open, retry after " +
                                                std::to_string(e.retry_after.count()) + " s"),
                             loc);
}

circuit_breaker::permit::permit(permit&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), epoch_(other.epoch_), probe_(other.probe_) {}

circuit_breaker::permit& circuit_breaker::permit::operator=(permit&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    epoch_ = other.epoch_;
    probe_ = other.probe_;
  }
  return *this;
}

circuit_breaker::permit::~permit() {
  release();
}

void circuit_breaker::permit::release() noexcept {
  if (auto* const owner = std::exchange(owner_, nullptr); owner != nullptr && probe_) {
    owner->release_probe(epoch_);
  }
}

circuit_breaker::circuit_breaker(breaker_settings settings, util::clock const& clock)
    : threshold_(std::max(settings.failure_threshold, 1U)),
      window_(settings.window),
      open_period_(settings.open),
      clock_(clock),
      failure_times_(threshold_) {}

boost::system::result<circuit_breaker::permit, refused> circuit_breaker::acquire() {
  std::lock_guard const lock(mutex_);
  switch (state_) {
    case breaker_state::closed:
      return permit(this, epoch_, false);
    case breaker_state::open: {
      auto const at = clock_.steady();
      if (at < open_until_) return refused{retry_after(open_until_ - at)};
      state_ = breaker_state::half_open;
      probe_in_flight_ = false;
      break;
    }
    case breaker_state::half_open:
      break;
  }
  if (probe_in_flight_) return refused{probe_wait};
  probe_in_flight_ = true;
  return permit(this, epoch_, true);
}

void circuit_breaker::on_success(permit p) {
  p.owner_ = nullptr;
  std::lock_guard const lock(mutex_);
  // In closed a success changes nothing (see the header); elsewhere only the probe counts.
  if (current(p) && p.probe_) close();
}

void circuit_breaker::on_failure(permit p) {
  p.owner_ = nullptr;
  std::lock_guard const lock(mutex_);
  if (!current(p)) return;
  auto const at = clock_.steady();
  record_failure(at);
  if (p.probe_ || failures_within_window(at) >= threshold_) trip(at);
}

void circuit_breaker::on_ignored(permit p) {
  p.release();
}

void circuit_breaker::reset() {
  std::lock_guard const lock(mutex_);
  close();
}

circuit_breaker::snapshot circuit_breaker::read() const {
  std::lock_guard const lock(mutex_);
  auto const at = clock_.steady();
  auto const state = effective_state(at);
  auto wait = std::chrono::seconds::zero();
  if (state == breaker_state::open) wait = retry_after(open_until_ - at);
  if (state == breaker_state::half_open && probe_in_flight_) wait = probe_wait;
  return {state, failures_within_window(at), opened_count_, last_opened_at_, wait};
}

breaker_state circuit_breaker::state() const {
  std::lock_guard const lock(mutex_);
  if (state_ != breaker_state::open) return state_;
  return effective_state(clock_.steady());
}

breaker_state circuit_breaker::effective_state(time_point at) const noexcept {
  if (state_ == breaker_state::open && at >= open_until_) return breaker_state::half_open;
  return state_;
}

unsigned circuit_breaker::failures_within_window(time_point at) const noexcept {
  auto const n = failure_times_.size();
  unsigned count = 0;
  for (std::size_t i = 0; i < failure_count_; ++i) {
    if (at - failure_times_[(next_failure_ + n - 1 - i) % n] < window_) ++count;
  }
  return count;
}

void circuit_breaker::record_failure(time_point at) noexcept {
  failure_times_[next_failure_] = at;
  next_failure_ = (next_failure_ + 1) % failure_times_.size();
  failure_count_ = std::min(failure_count_ + 1, failure_times_.size());
}

void circuit_breaker::trip(time_point at) {
  auto const opened_at = clock_.wall();  // first: if it throws, nothing has changed
  state_ = breaker_state::open;
  probe_in_flight_ = false;
  open_until_ = at + open_period_;
  ++epoch_;
  ++opened_count_;
  last_opened_at_ = opened_at;
}

void circuit_breaker::close() noexcept {
  state_ = breaker_state::closed;
  probe_in_flight_ = false;
  ++epoch_;
  next_failure_ = 0;
  failure_count_ = 0;
}

void circuit_breaker::release_probe(std::uint64_t epoch) noexcept {
  std::lock_guard const lock(mutex_);
  if (epoch == epoch_) probe_in_flight_ = false;
}

bool circuit_breaker::current(permit const& p) const noexcept {
  // epoch_ advances whenever the breaker opens or closes. Open issues no
  // permits and each permit is reported at most once, so an equal epoch means
  // the closed or half-open period that admitted the call still lasts.
  return p.epoch_ == epoch_;
}

std::string to_json(circuit_breaker::snapshot const& s) {
  boost::json::object o;
  o["state"] = to_string(s.state);
  o["failures"] = s.failures;
  o["opened_count"] = s.opened_count;
  if (s.last_opened_at) {
    o["last_opened_at"] = util::format_rfc3339(*s.last_opened_at);
  } else {
    o["last_opened_at"] = nullptr;
  }
  return boost::json::serialize(o);
}

}  // namespace wsd::db
