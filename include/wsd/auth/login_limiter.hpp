// Brute-force protection for the login endpoint, per (username, client
// address) and per client address over all usernames.
//
// An attempt is counted before its password is checked: reserve() looks at
// both counts and, unless one is at its limit, records a failure in both
// at once, under one lock. So N concurrent guesses can never get past a
// limit of N - the count already holds every attempt still being checked.
// The handler then settles the reservation:
// - wrong password: nothing to do, the failure stands;
// - right password: succeeded(), which clears that pair's failures and takes
//   the attempt back from the address count (a success is no failure);
// - not checked at all (overloaded, database down): withdraw(), counts as
//   nothing.
// A key is blocked while `limit` failures lie within the last `window`;
// it frees up when the oldest of them leaves the window. Blocking a pair
// never blocks the same username from another address, so nobody can lock
// an account out from elsewhere. A limit of 0 disables that count.
//
// Both tables are bounded: when one is full the least recently used key is
// forgotten, so a flood of names or addresses costs memory up to the bound
// and no more. Time comes from the injected clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wsd/util/clock.hpp"

namespace wsd::auth {

struct login_limits {
  unsigned per_pair = 5;      // auth.login_max_failures
  unsigned per_address = 20;  // auth.login_max_failures_per_address
  std::chrono::seconds window{60};
  std::size_t max_pairs = 100000;
  std::size_t max_addresses = 100000;
};

class login_limiter {
 public:
  // A reserved attempt, to settle with succeeded() or withdraw() (or to keep).
  struct attempt {
    std::string pair;
    std::string address;
    util::clock::steady_point at;
  };

  // Either a reserved attempt, or the Retry-After of a 429 (>= 1 s, rounded up).
  struct verdict {
    std::optional<attempt> granted;
    std::chrono::seconds retry_after{0};
  };

  explicit login_limiter(login_limits limits, util::clock const& clock = util::clock::system());
  ~login_limiter();
  login_limiter(login_limiter const&) = delete;
  login_limiter& operator=(login_limiter const&) = delete;

  verdict reserve(std::string_view username, std::string_view address);
  void succeeded(attempt const& a);
  void withdraw(attempt const& a);

  // Keys currently remembered.
  std::size_t tracked_pairs() const;
  std::size_t tracked_addresses() const;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace wsd::auth
