#include "wsd/auth/login_limiter.hpp"

#include <doctest/doctest.h>

#include "wsd/util/clock.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace auth = wsd::auth;
using namespace std::chrono_literals;

namespace {

auth::login_limits limits(unsigned per_pair, unsigned per_address,
                          std::chrono::seconds window = 60s) {
  auth::login_limits l;
  l.per_pair = per_pair;
  l.per_address = per_address;
  l.window = window;
  return l;
}

// What the login handler does with a wrong password: 429 when refused, else
// the reserved failure stands (401).
unsigned wrong_guess(auth::login_limiter& limiter, std::string_view user,
                     std::string_view address = "10.0.0.1") {
  return limiter.reserve(user, address).granted ? 401 : 429;
}

std::chrono::seconds retry_after(auth::login_limiter& limiter, std::string_view user,
                                 std::string_view address = "10.0.0.1") {
  auto const v = limiter.reserve(user, address);
  if (v.granted) {
    limiter.withdraw(*v.granted);
    return 0s;
  }
  return v.retry_after;
}

}  // namespace

TEST_SUITE("login limiter") {
  TEST_CASE("max failures of a (username, address) pair within the window block the pair") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(limits(5, 100), clock);
    std::vector<unsigned> statuses;
    for (int i = 0; i < 8; ++i) {
      statuses.push_back(wrong_guess(limiter, "alice"));
      clock.advance(1s);
    }
    CHECK(statuses == std::vector<unsigned>{401, 401, 401, 401, 401, 429, 429, 429});
    CHECK(retry_after(limiter, "bob") == 0s);
    CHECK(retry_after(limiter, "alice", "10.0.0.2") == 0s);
  }

  TEST_CASE("the same username from another address is not locked out") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(limits(3, 100), clock);
    for (int i = 0; i < 3; ++i) CHECK(wrong_guess(limiter, "admin", "203.0.113.9") == 401);
    CHECK(wrong_guess(limiter, "admin", "203.0.113.9") == 429);
    auto const mine = limiter.reserve("admin", "10.0.0.1");
    REQUIRE(mine.granted);
    limiter.succeeded(*mine.granted);
    CHECK(wrong_guess(limiter, "admin", "203.0.113.9") == 429);
  }

  TEST_CASE("the per-address limit counts failures over all usernames") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(limits(5, 4), clock);
    for (int i = 0; i < 4; ++i)
      CHECK(wrong_guess(limiter, "user" + std::to_string(i), "198.51.100.7") == 401);
    CHECK(wrong_guess(limiter, "fresh", "198.51.100.7") == 429);
    CHECK(retry_after(limiter, "fresh", "198.51.100.7") == 60s);
    CHECK(wrong_guess(limiter, "fresh", "198.51.100.8") == 401);
    clock.advance(60s);
    CHECK(wrong_guess(limiter, "fresh", "198.51.100.7") == 401);
  }

  TEST_CASE("the block lasts until the oldest counted failure leaves the window") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(limits(5, 100), clock);
    for (int i = 0; i < 5; ++i) {  // failures at t = 0..4
      CHECK(wrong_guess(limiter, "alice") == 401);
      clock.advance(1s);
    }
    CHECK(retry_after(limiter, "alice") == 55s);  // t = 5, free at t = 60
    clock.advance(54s);
    CHECK(retry_after(limiter, "alice") == 1s);
    clock.advance(500ms);
    CHECK(retry_after(limiter, "alice") == 1s);  // rounded up, never 0
    clock.advance(500ms);
    CHECK(wrong_guess(limiter, "alice") == 401);  // t = 60: the failure of t = 0 left
    CHECK(retry_after(limiter, "alice") == 1s);   // failures at 1..4 and 60: free at t = 61
  }

  TEST_CASE("failures spread wider than the window never block") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(limits(2, 2), clock);
    for (int i = 0; i < 20; ++i) {
      CHECK(wrong_guess(limiter, "alice") == 401);
      clock.advance(30s);  // at most two failures are ever within 60 s
    }
  }

  TEST_CASE("a success clears its pair's failures only, and is no failure of the address") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(limits(3, 5), clock);
    CHECK(wrong_guess(limiter, "alice") == 401);
    CHECK(wrong_guess(limiter, "alice") == 401);
    CHECK(wrong_guess(limiter, "bob") == 401);
    auto const right = limiter.reserve("alice", "10.0.0.1");
    REQUIRE(right.granted);
    limiter.succeeded(*right.granted);
    // alice's two failures are gone from her pair but still count for the
    // address (3 failures of 5): two more wrong guesses, then 429.
    CHECK(wrong_guess(limiter, "carol") == 401);
    CHECK(wrong_guess(limiter, "carol") == 401);
    CHECK(wrong_guess(limiter, "alice") == 429);
    CHECK(limiter.tracked_pairs() == 2);  // bob and carol
  }

  TEST_CASE("a withdrawn attempt counts as nothing") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(limits(2, 2), clock);
    for (int i = 0; i < 10; ++i) {
      auto const v = limiter.reserve("alice", "10.0.0.1");
      REQUIRE(v.granted);
      limiter.withdraw(*v.granted);
    }
    CHECK(limiter.tracked_pairs() == 0);
    CHECK(limiter.tracked_addresses() == 0);
    CHECK(wrong_guess(limiter, "alice") == 401);
  }

  TEST_CASE("attempts are counted when reserved: pending guesses cannot pass the limit") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(limits(5, 20), clock);
    std::vector<auth::login_limiter::attempt> pending;
    unsigned refused = 0;
    for (int i = 0; i < 40; ++i) {
      auto v = limiter.reserve("admin", "10.0.0.1");
      if (v.granted)
        pending.push_back(std::move(*v.granted));
      else
        ++refused;
    }
    CHECK(pending.size() == 5);
    CHECK(refused == 35);
  }

  TEST_CASE("concurrent reservations never exceed the limit") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(limits(50, 1000), clock);
    std::atomic<unsigned> granted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 100; ++i)
          if (limiter.reserve("alice", "10.0.0.1").granted) granted.fetch_add(1);
      });
    for (auto& t : threads) t.join();
    CHECK(granted.load() == 50);
  }

  TEST_CASE("zero disables a limit") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(limits(0, 0, 10s), clock);
    for (int i = 0; i < 10; ++i) CHECK(wrong_guess(limiter, "alice") == 401);
    CHECK(limiter.tracked_pairs() == 0);
    CHECK(limiter.tracked_addresses() == 0);
  }

  TEST_CASE("memory stays bounded: the least recently used keys go first") {
    wsd::util::fake_clock clock;
    auto l = limits(5, 0);
    l.max_pairs = 100;
    SUBCASE("many names") {
      auth::login_limiter limiter(l, clock);
      for (int i = 0; i < 1000; ++i) wrong_guess(limiter, "user" + std::to_string(i));
      CHECK(limiter.tracked_pairs() == 100);
    }
    SUBCASE("a full table forgets its least recently failing key") {
      auth::login_limiter limiter(l, clock);
      for (int i = 0; i < 5; ++i) wrong_guess(limiter, "victim");
      for (int i = 0; i < 99; ++i) wrong_guess(limiter, "other" + std::to_string(i));
      CHECK(retry_after(limiter, "victim") > 0s);
      for (int i = 0; i < 100; ++i) wrong_guess(limiter, "flood" + std::to_string(i));
      CHECK(limiter.tracked_pairs() == 100);
      CHECK(retry_after(limiter, "victim") == 0s);  // evicted, not grown past the bound
    }
    SUBCASE("many addresses") {
      auto la = limits(5, 5);
      la.max_addresses = 10;
      la.max_pairs = 10;
      auth::login_limiter limiter(la, clock);
      for (int i = 0; i < 1000; ++i) wrong_guess(limiter, "u", "10.1." + std::to_string(i));
      CHECK(limiter.tracked_addresses() == 10);
      CHECK(limiter.tracked_pairs() == 10);
    }
    SUBCASE("oversized names share one entry") {
      auth::login_limiter limiter(limits(5, 0), clock);
      auto const long_name = std::string(100000, 'x');
      for (int i = 0; i < 6; ++i) wrong_guess(limiter, long_name + std::to_string(i));
      CHECK(limiter.tracked_pairs() == 1);
      CHECK(retry_after(limiter, long_name) > 0s);
    }
  }
}
