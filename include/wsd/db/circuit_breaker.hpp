// The circuit breaker around the database (SPEC "Circuit breaker"): a pure
// state machine over injected clocks. The caller asks acquire() before each
// database call and reports how the call ended through its permit.
//
// closed     Every call is let through. The last failure_threshold failures
//            are remembered; when all of them lie within `window` (strictly
//            younger than it), the breaker opens. A success does not clear
//            failures still in the window: a database failing every other
//            call is not healthy, and the window forgets old failures anyway.
// open       Every call is refused with the time left until the open period
//            ends (the Retry-After, rounded up, at least 1 s).
// half_open  Once the open period has passed, the next acquire() gets the
//            single probe permit; others are refused with 1 s while it runs
//            (its answer is at most a query timeout away). The probe's success
//            closes the breaker and clears the failures; its failure opens the
//            breaker again for a fresh open period. A probe that ends without
//            telling (on_ignored, or its permit destroyed unreported: an
//            exception, a cancelled coroutine) lets the next caller probe, so
//            a lost probe can never keep the breaker refusing forever.
//
// state() and read() report half_open as soon as the open period has passed,
// before any caller has probed: that is what the next call would meet.
//
// A result counts only in the period that admitted its call. A call admitted
// while closed that ends after the breaker opened, or after a reset(), changes
// nothing: late failures do not extend an open period, late successes do not
// close the breaker (only the probe does), and failures from before a
// recovery cannot trip the freshly closed breaker.
//
// Every entry into open counts in opened_count and sets last_opened_at,
// including a failed probe's; reset() keeps both (they are history).
//
// Thread-safe: one small mutex, no allocation after construction. Permits
// point to their breaker, which must outlive them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include "wsd/config/config.hpp"
#include "wsd/util/clock.hpp"

namespace wsd::db {

enum class breaker_state : std::uint8_t { closed, open, half_open };

// "closed", "open", "half_open".
std::string_view to_string(breaker_state s) noexcept;

// failure_threshold (0 is taken as 1), window, open: as configured.
using breaker_settings = config::breaker_settings;

// Why acquire() refused: the call must not be made; answer "unavailable" with this
// Retry-After (whole seconds, at least 1).
struct refused {
  std::chrono::seconds retry_after;
  bool operator==(refused const&) const = default;
};

// Lets result<permit, refused>::value() throw on a refusal.
[[noreturn]] void throw_exception_from_error(refused const& e, boost::source_location const& loc);

class circuit_breaker {
 public:
  // Leave to make one database call. Move-only; hand it back through exactly
  // one of on_success, on_failure or on_ignored.
  class permit {
   public:
    permit(permit&& other) noexcept;
    permit& operator=(permit&& other) noexcept;
    permit(permit const&) = delete;
    permit& operator=(permit const&) = delete;
    // An unreported probe is released as by on_ignored.
    ~permit();

    // Whether this is the half-open probe whose result decides the state.
    bool probe() const noexcept { return probe_; }

   private:
    friend class circuit_breaker;
    permit(circuit_breaker* owner, std::uint64_t epoch, bool probe) noexcept
        : owner_(owner), epoch_(epoch), probe_(probe) {}
    void release() noexcept;

    circuit_breaker* owner_;  // null once reported or moved from
    std::uint64_t epoch_;
    bool probe_;
  };

  struct snapshot {
    breaker_state state;
    unsigned failures;  // failures within the window now, at most failure_threshold
    std::uint64_t opened_count;
    std::optional<std::chrono::system_clock::time_point> last_opened_at;
    std::chrono::seconds retry_after;  // what acquire() would refuse with; 0 if it would permit
  };

  explicit circuit_breaker(breaker_settings settings,
                           util::clock const& clock = util::clock::system());
  circuit_breaker(circuit_breaker const&) = delete;
  circuit_breaker& operator=(circuit_breaker const&) = delete;

  // Before each database call: a permit, or why not.
  boost::system::result<permit, refused> acquire();

  // The database answered (a constraint violation is an answer too): a
  // probe's success closes the breaker; in closed it changes nothing.
  void on_success(permit p);
  // The database failed (lost connection, timeout, unavailable).
  void on_failure(permit p);
  // The call ended without saying anything about the database's health (e.g.
  // cancelled before it reached it): nothing changes, but a probe is released
  // so that the next call probes.
  void on_ignored(permit p);

  // Admin: closed, failures forgotten, results of calls in flight ignored.
  void reset();

  snapshot read() const;
  breaker_state state() const;

 private:
  using time_point = util::clock::steady_point;

  // state_ as last changed; an open breaker past its period reports half_open.
  breaker_state effective_state(time_point at) const noexcept;
  unsigned failures_within_window(time_point at) const noexcept;
  void record_failure(time_point at) noexcept;
  void trip(time_point at);
  void close() noexcept;
  void release_probe(std::uint64_t epoch) noexcept;
  // The permit's result still counts: the period that admitted it lasts.
  bool current(permit const& p) const noexcept;

  unsigned const threshold_;
  std::chrono::seconds const window_;
  std::chrono::seconds const open_period_;
  util::clock const& clock_;

  mutable std::mutex mutex_;
  breaker_state state_ = breaker_state::closed;
  bool probe_in_flight_ = false;
  time_point open_until_{};
  // Advances whenever the breaker opens or closes; a permit counts only while
  // the epoch that issued it lasts.
  std::uint64_t epoch_ = 0;
  // The last threshold_ failure times, a ring: next_failure_ is where the next goes.
  std::vector<time_point> failure_times_;
  std::size_t next_failure_ = 0;
  std::size_t failure_count_ = 0;
  std::uint64_t opened_count_ = 0;
  std::optional<std::chrono::system_clock::time_point> last_opened_at_;
};

// For the metrics: {"state":"open","failures":3,"opened_count":1,
// "last_opened_at":"2026-11-24T04:30:00Z"} (null when it never opened).
std::string to_json(circuit_breaker::snapshot const& s);

}  // namespace wsd::db
