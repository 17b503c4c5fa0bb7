#include "wsd/auth/login_limiter.hpp"

#include <doctest/doctest.h>

#include "wsd/util/clock.hpp"

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace auth = wsd::auth;
using namespace std::chrono_literals;

namespace {

// What the login handler does: 429 while blocked, else check the password
// (always wrong here) and record the failure.
unsigned attempt(auth::login_limiter& limiter, std::string_view user) {
  if (limiter.retry_after(user)) return 429;
  limiter.record_failure(user);
  return 401;
}

}  // namespace

TEST_SUITE("login limiter") {
  TEST_CASE("max failures within the window block the name") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(5, 60s, clock);
    std::vector<unsigned> statuses;
    for (int i = 0; i < 8; ++i) {
      statuses.push_back(attempt(limiter, "alice"));
      clock.advance(1s);
    }
    CHECK(statuses == std::vector<unsigned>{401, 401, 401, 401, 401, 429, 429, 429});
    CHECK_FALSE(limiter.retry_after("bob"));
    attempt(limiter, "bob");
    CHECK_FALSE(limiter.retry_after("bob"));
  }

  TEST_CASE("the block lasts until the oldest counted failure leaves the window") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(5, 60s, clock);
    for (int i = 0; i < 5; ++i) {  // failures at t = 0..4
      limiter.record_failure("alice");
      clock.advance(1s);
    }
    CHECK(limiter.retry_after("alice") == 55s);  // t = 5, free at t = 60
    clock.advance(54s);
    CHECK(limiter.retry_after("alice") == 1s);
    clock.advance(500ms);
    CHECK(limiter.retry_after("alice") == 1s);  // rounded up, never 0
    clock.advance(500ms);
    CHECK_FALSE(limiter.retry_after("alice"));  // t = 60: four failures left in the window

    SUBCASE("one more failure blocks again, until the next oldest leaves") {
      limiter.record_failure("alice");
      CHECK(limiter.retry_after("alice") == 1s);  // failures at 1..4 and 60: free at t = 61
      clock.advance(1s);
      CHECK_FALSE(limiter.retry_after("alice"));
    }
  }

  TEST_CASE("failures spread wider than the window never block") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(2, 60s, clock);
    for (int i = 0; i < 20; ++i) {
      CHECK(attempt(limiter, "alice") == 401);
      clock.advance(30s);  // at most two failures are ever within 60 s
    }
  }

  TEST_CASE("a success clears the name's failures") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(5, 60s, clock);
    for (int i = 0; i < 5; ++i) limiter.record_failure("alice");
    limiter.record_success("alice");
    for (int i = 0; i < 4; ++i) limiter.record_failure("alice");
    CHECK_FALSE(limiter.retry_after("alice"));
    limiter.record_failure("alice");
    CHECK(limiter.retry_after("alice"));
    limiter.record_success("alice");
    CHECK_FALSE(limiter.retry_after("alice"));
    CHECK(limiter.tracked() == 0);
    limiter.record_success("nobody");
    CHECK(limiter.tracked() == 0);
  }

  TEST_CASE("zero disables the limit") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(0, 10s, clock);
    for (int i = 0; i < 10; ++i) CHECK(attempt(limiter, "alice") == 401);
  }

  TEST_CASE("one allowed failure blocks after the first") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(1, 10s, clock);
    CHECK(attempt(limiter, "alice") == 401);
    CHECK(attempt(limiter, "alice") == 429);
    CHECK(limiter.retry_after("alice") == 10s);
    clock.advance(10s);
    CHECK(attempt(limiter, "alice") == 401);
  }

  TEST_CASE("memory stays bounded") {
    wsd::util::fake_clock clock;
    SUBCASE("many names") {
      auth::login_limiter limiter(5, 60s, clock, 100);
      for (int i = 0; i < 1000; ++i) limiter.record_failure("user" + std::to_string(i));
      CHECK(limiter.tracked() == 100);
      CHECK(limiter.retry_after("user999") == std::nullopt);
    }
    SUBCASE("names whose failures left the window are dropped first") {
      auth::login_limiter limiter(5, 60s, clock, 10);
      for (int i = 0; i < 10; ++i) limiter.record_failure("user" + std::to_string(i));
      clock.advance(60s);
      limiter.record_failure("late");
      CHECK(limiter.tracked() == 1);
    }
    SUBCASE("a blocked name survives a flood of other names") {
      auth::login_limiter limiter(5, 60s, clock, 50);
      for (int i = 0; i < 6; ++i) limiter.record_failure("victim");
      for (int i = 0; i < 1000; ++i) limiter.record_failure("flood" + std::to_string(i));
      CHECK(limiter.tracked() == 50);
      CHECK(limiter.retry_after("victim"));
    }
    SUBCASE("oversized names share one entry") {
      auth::login_limiter limiter(5, 60s, clock);
      auto const long_name = std::string(100000, 'x');
      for (int i = 0; i < 6; ++i) limiter.record_failure(long_name + std::to_string(i));
      CHECK(limiter.tracked() == 1);
      CHECK(limiter.retry_after(long_name));
    }
  }

  TEST_CASE("concurrent failures are all counted") {
    wsd::util::fake_clock clock;
    auth::login_limiter limiter(401, 60s, clock);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 100; ++i) limiter.record_failure("alice");
      });
    }
    for (auto& t : threads) t.join();
    CHECK_FALSE(limiter.retry_after("alice"));  // 400 < 401
    limiter.record_failure("alice");
    CHECK(limiter.retry_after("alice"));
    limiter.record_success("alice");
    CHECK_FALSE(limiter.retry_after("alice"));
  }
}
