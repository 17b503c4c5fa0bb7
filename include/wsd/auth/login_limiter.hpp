// Brute-force protection for the login endpoint, per username.
//
// Semantics, with max_failures = N and window = W: a username is blocked
// while N failures lie within the last W, i.e. while its N-th most recent
// failure is younger than W. So with N = 5, failed attempts 1..5 are
// answered normally (401) and recorded; the 5th makes retry_after() set, and
// attempts from the 6th on get 429 until the oldest of those 5 failures
// leaves the window: no name gets more than N guesses per window. A blocked
// attempt is not checked, so it records nothing. A success clears the name's
// failures. N = 0 disables the limit.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "wsd/util/clock.hpp"

namespace wsd::auth {

class login_limiter {
 public:
  // Remembers at most max_names usernames (and max_failures + 1 failures
  // each); when full, names with no failure left in the window go first, then
  // the least recently failing names that are not blocked.
  login_limiter(unsigned max_failures, std::chrono::seconds window,
                util::clock const& clock = util::clock::system(), std::size_t max_names = 10000);
  ~login_limiter();
  login_limiter(login_limiter const&) = delete;
  login_limiter& operator=(login_limiter const&) = delete;

  // Set -> answer 429 with this Retry-After (at least 1 s, rounded up).
  std::optional<std::chrono::seconds> retry_after(std::string_view username) const;
  void record_failure(std::string_view username);
  void record_success(std::string_view username);

  // Usernames currently remembered.
  std::size_t tracked() const;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace wsd::auth
