#include "wsd/db/circuit_breaker.hpp"

#include <doctest/doctest.h>

#include "wsd/util/clock.hpp"

#include <atomic>
#include <latch>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace db = wsd::db;
using namespace std::chrono_literals;
using db::breaker_state;

namespace {

// The breaker's clock, moved by hand, and a breaker on it.
struct fake_clocks : wsd::util::fake_clock {
  std::unique_ptr<db::circuit_breaker> make(unsigned threshold = 3,
                                            std::chrono::seconds window = 60s,
                                            std::chrono::seconds open = 60s) const {
    return std::make_unique<db::circuit_breaker>(db::breaker_settings{threshold, window, open},
                                                 *this);
  }
};

// One database call that fails.
void fail(db::circuit_breaker& b) {
  auto p = b.acquire();
  REQUIRE(p.has_value());
  b.on_failure(std::move(*p));
}

void succeed(db::circuit_breaker& b) {
  auto p = b.acquire();
  REQUIRE(p.has_value());
  b.on_success(std::move(*p));
}

// The time acquire() refuses with, or nullopt if it permits (the permit is
// reported as ignored).
std::optional<std::chrono::seconds> refusal(db::circuit_breaker& b) {
  auto p = b.acquire();
  if (p) {
    b.on_ignored(std::move(*p));
    return std::nullopt;
  }
  return p.error().retry_after;
}

// Opens a fresh breaker (threshold 3, window 60 s, open 60 s) at the clocks' time.
std::unique_ptr<db::circuit_breaker> opened(fake_clocks const& clocks) {
  auto b = clocks.make();
  for (int i = 0; i < 3; ++i) fail(*b);
  return b;
}

}  // namespace

TEST_SUITE("circuit breaker") {
  TEST_CASE("state names") {
    CHECK(db::to_string(breaker_state::closed) == "closed");
    CHECK(db::to_string(breaker_state::open) == "open");
    CHECK(db::to_string(breaker_state::half_open) == "half_open");
  }

  TEST_CASE("a new breaker is closed and lets calls through") {
    fake_clocks clocks;
    auto const b = clocks.make();
    auto const s = b->read();
    CHECK(s.state == breaker_state::closed);
    CHECK(s.failures == 0);
    CHECK(s.opened_count == 0);
    CHECK_FALSE(s.last_opened_at);
    CHECK(s.retry_after == 0s);
    auto p = b->acquire();
    REQUIRE(p.has_value());
    CHECK_FALSE(p->probe());
    auto q = b->acquire();  // closed: any number of calls at once
    CHECK(q.has_value());
  }

  TEST_CASE("threshold failures within the window open the breaker") {
    fake_clocks clocks;
    auto const b = clocks.make();
    fail(*b);
    clocks.advance(20s);
    fail(*b);
    CHECK(b->state() == breaker_state::closed);
    CHECK(b->read().failures == 2);
    clocks.advance(39s);  // the first failure is 59 s old
    auto const wall_at_open = clocks.wall();
    fail(*b);
    auto const s = b->read();
    CHECK(s.state == breaker_state::open);
    CHECK(s.failures == 3);
    CHECK(s.opened_count == 1);
    CHECK(s.last_opened_at == wall_at_open);
    CHECK(s.retry_after == 60s);
    CHECK(refusal(*b) == 60s);
  }

  TEST_CASE("failures spread wider than the window never open it") {
    fake_clocks clocks;
    auto const b = clocks.make();
    for (int i = 0; i < 10; ++i) {
      fail(*b);
      clocks.advance(30s);  // the third failure comes when the first is exactly 60 s old
    }
    CHECK(b->state() == breaker_state::closed);
    CHECK(b->read().failures == 1);  // 30 s after the last one; the one before is 60 s old
    CHECK(b->read().opened_count == 0);
    clocks.advance(30s);
    CHECK(b->read().failures == 0);
  }

  TEST_CASE("a success between failures does not clear them") {
    fake_clocks clocks;
    auto const b = clocks.make();
    fail(*b);
    succeed(*b);
    fail(*b);
    succeed(*b);
    CHECK(b->read().failures == 2);
    fail(*b);
    CHECK(b->state() == breaker_state::open);
  }

  TEST_CASE("a threshold of one opens on the first failure, zero is taken as one") {
    fake_clocks clocks;
    for (unsigned const threshold : {0U, 1U}) {
      CAPTURE(threshold);
      auto const b = clocks.make(threshold);
      fail(*b);
      CHECK(b->state() == breaker_state::open);
      CHECK(b->read().failures == 1);
    }
  }

  TEST_CASE("open refuses every call with a Retry-After that counts down") {
    fake_clocks clocks;
    auto const b = opened(clocks);
    CHECK(refusal(*b) == 60s);
    clocks.advance(500ms);
    CHECK(refusal(*b) == 60s);  // 59.5 s left, rounded up
    clocks.advance(500ms);
    CHECK(refusal(*b) == 59s);
    clocks.advance(58s);
    CHECK(refusal(*b) == 1s);
    CHECK(b->read().retry_after == 1s);
    clocks.advance(999ms);
    CHECK(refusal(*b) == 1s);  // never 0
    CHECK(b->state() == breaker_state::open);
    CHECK(b->read().opened_count == 1);  // refusals change nothing
  }

  TEST_CASE("after the open period exactly one probe goes through") {
    fake_clocks clocks;
    auto const b = opened(clocks);
    clocks.advance(60s);
    // Reported as half_open before anyone probed: the next call would probe.
    CHECK(b->state() == breaker_state::half_open);
    CHECK(b->read().retry_after == 0s);
    auto probe = b->acquire();
    REQUIRE(probe.has_value());
    CHECK(probe->probe());
    CHECK(b->state() == breaker_state::half_open);
    for (int i = 0; i < 3; ++i) {
      auto const other = b->acquire();
      REQUIRE_FALSE(other.has_value());
      CHECK(other.error().retry_after == 1s);
    }
    CHECK(b->read().retry_after == 1s);
    clocks.advance(1h);  // however long the probe takes, it stays the only one
    CHECK_FALSE(b->acquire().has_value());

    SUBCASE("its success closes the breaker and clears the failures") {
      b->on_success(std::move(*probe));
      auto const s = b->read();
      CHECK(s.state == breaker_state::closed);
      CHECK(s.failures == 0);
      CHECK(s.retry_after == 0s);
      CHECK(s.opened_count == 1);
      auto p = b->acquire();
      REQUIRE(p.has_value());
      CHECK_FALSE(p->probe());
      b->on_failure(std::move(*p));
      fail(*b);
      CHECK(b->state() == breaker_state::closed);  // a full threshold is needed again
      fail(*b);
      CHECK(b->state() == breaker_state::open);
      CHECK(b->read().opened_count == 2);
    }

    SUBCASE("its failure opens the breaker again for a fresh period") {
      auto const wall_at_failure = clocks.wall();
      b->on_failure(std::move(*probe));
      auto const s = b->read();
      CHECK(s.state == breaker_state::open);
      CHECK(s.retry_after == 60s);
      CHECK(s.opened_count == 2);
      CHECK(s.last_opened_at == wall_at_failure);
      CHECK(refusal(*b) == 60s);
      clocks.advance(59s);
      CHECK(refusal(*b) == 1s);
      clocks.advance(1s);
      auto again = b->acquire();
      REQUIRE(again.has_value());
      CHECK(again->probe());
    }

    SUBCASE("on_ignored releases it without changing the state") {
      b->on_ignored(std::move(*probe));
      auto const s = b->read();
      CHECK(s.state == breaker_state::half_open);
      CHECK(s.retry_after == 0s);
      CHECK(s.opened_count == 1);
      auto next = b->acquire();
      REQUIRE(next.has_value());
      CHECK(next->probe());
      CHECK_FALSE(b->acquire().has_value());
      b->on_success(std::move(*next));
      CHECK(b->state() == breaker_state::closed);
    }

    SUBCASE("a probe permit destroyed unreported is released too") {
      { auto const lost = std::move(probe); }
      auto next = b->acquire();
      REQUIRE(next.has_value());
      CHECK(next->probe());
    }

    SUBCASE("moving a probe permit keeps it the probe") {
      auto moved = std::move(*probe);
      { auto const emptied = std::move(*probe); }  // a moved-from permit releases nothing
      CHECK_FALSE(b->acquire().has_value());
      CHECK(moved.probe());
      b->on_success(std::move(moved));
      CHECK(b->state() == breaker_state::closed);
    }

    SUBCASE("assigning over an unreported probe releases it") {
      auto taken = std::move(*probe);
      taken = std::move(*probe);  // taken held the probe: released, now holds nothing
      auto next = b->acquire();
      REQUIRE(next.has_value());
      CHECK(next->probe());
    }
  }

  TEST_CASE("reset closes the breaker from any state and keeps the history") {
    fake_clocks clocks;
    auto const b = opened(clocks);
    auto const first_opened = b->read().last_opened_at;

    SUBCASE("from open") {
      b->reset();
      CHECK(b->state() == breaker_state::closed);
    }

    SUBCASE("from half_open, and the probe's result no longer counts") {
      clocks.advance(60s);
      auto probe = b->acquire();
      REQUIRE(probe.has_value());
      b->reset();
      CHECK(b->state() == breaker_state::closed);
      b->on_failure(std::move(*probe));
      CHECK(b->state() == breaker_state::closed);
      CHECK(b->read().failures == 0);
    }

    auto const s = b->read();
    CHECK(s.failures == 0);
    CHECK(s.retry_after == 0s);
    CHECK(s.opened_count == 1);
    CHECK(s.last_opened_at == first_opened);
    auto p = b->acquire();
    REQUIRE(p.has_value());
    CHECK_FALSE(p->probe());
  }

  TEST_CASE("reset in closed forgets the failures") {
    fake_clocks clocks;
    auto const b = clocks.make();
    fail(*b);
    fail(*b);
    b->reset();
    CHECK(b->read().failures == 0);
    fail(*b);
    fail(*b);
    CHECK(b->state() == breaker_state::closed);
    CHECK(b->read().opened_count == 0);
  }

  TEST_CASE("results of calls admitted before the breaker opened change nothing") {
    fake_clocks clocks;
    auto const b = clocks.make();
    auto late_failure = b->acquire();
    auto late_success = b->acquire();
    REQUIRE(late_failure.has_value());
    REQUIRE(late_success.has_value());
    for (int i = 0; i < 3; ++i) fail(*b);
    clocks.advance(30s);

    SUBCASE("while open: no longer period, no closing") {
      b->on_failure(std::move(*late_failure));
      b->on_success(std::move(*late_success));
      auto const s = b->read();
      CHECK(s.state == breaker_state::open);
      CHECK(s.retry_after == 30s);
      CHECK(s.opened_count == 1);
      CHECK(s.failures == 3);
    }

    SUBCASE("while a probe runs: only the probe decides") {
      clocks.advance(30s);
      auto probe = b->acquire();
      REQUIRE(probe.has_value());
      b->on_success(std::move(*late_success));
      CHECK_FALSE(b->acquire().has_value());
      b->on_failure(std::move(*late_failure));
      CHECK(b->read().opened_count == 1);
      CHECK_FALSE(b->acquire().has_value());
      b->on_success(std::move(*probe));
      CHECK(b->state() == breaker_state::closed);
    }

    SUBCASE("after recovery: old failures do not count") {
      clocks.advance(30s);
      succeed(*b);  // the probe
      fail(*b);
      fail(*b);
      b->on_failure(std::move(*late_failure));
      CHECK(b->read().failures == 2);
      CHECK(b->state() == breaker_state::closed);
    }
  }

  TEST_CASE("an older probe's result does not count for a newer probe") {
    fake_clocks clocks;
    auto const b = opened(clocks);
    clocks.advance(60s);
    auto old_probe = b->acquire();
    REQUIRE(old_probe.has_value());
    b->reset();
    for (int i = 0; i < 3; ++i) fail(*b);
    clocks.advance(60s);
    auto probe = b->acquire();
    REQUIRE(probe.has_value());
    CHECK(probe->probe());

    SUBCASE("success") {
      b->on_success(std::move(*old_probe));
      CHECK(b->state() == breaker_state::half_open);
      CHECK_FALSE(b->acquire().has_value());
    }

    SUBCASE("failure") {
      b->on_failure(std::move(*old_probe));
      CHECK(b->state() == breaker_state::half_open);
      CHECK(b->read().opened_count == 2);
    }

    SUBCASE("released") {
      { auto const lost = std::move(*old_probe); }
      CHECK_FALSE(b->acquire().has_value());
    }

    b->on_failure(std::move(*probe));
    CHECK(b->state() == breaker_state::open);
    CHECK(b->read().opened_count == 3);
  }

  TEST_CASE("racing threads get exactly one probe") {
    fake_clocks clocks;
    auto const b = clocks.make();
    constexpr int threads = 8;
    for (int round = 0; round < 50; ++round) {
      CAPTURE(round);
      for (int i = 0; i < 3; ++i) fail(*b);
      REQUIRE(b->state() == breaker_state::open);
      clocks.advance(60s);
      std::atomic<int> probes{0};
      std::atomic<int> refusals{0};
      std::latch start(threads);
      std::vector<std::optional<db::circuit_breaker::permit>> permits(threads);
      {
        std::vector<std::jthread> racers;
        for (int t = 0; t < threads; ++t) {
          racers.emplace_back([&, t] {
            start.arrive_and_wait();
            auto p = b->acquire();
            if (!p) {
              if (p.error().retry_after == 1s) refusals.fetch_add(1);
              return;
            }
            if (p->probe()) probes.fetch_add(1);
            permits[t].emplace(std::move(*p));
          });
        }
      }
      CHECK(probes.load() == 1);
      CHECK(refusals.load() == threads - 1);
      for (auto& p : permits) {
        if (p) b->on_success(std::move(*p));
      }
      CHECK(b->state() == breaker_state::closed);
    }
    CHECK(b->read().opened_count == 50);
  }

  TEST_CASE("concurrent failures open the breaker once") {
    fake_clocks clocks;
    auto const b = clocks.make();
    constexpr int threads = 8;
    std::vector<db::circuit_breaker::permit> permits;
    for (int t = 0; t < threads; ++t) {
      auto p = b->acquire();
      REQUIRE(p.has_value());
      permits.push_back(std::move(*p));
    }
    std::latch start(threads);
    {
      std::vector<std::jthread> racers;
      for (auto& p : permits) {
        racers.emplace_back([&] {
          start.arrive_and_wait();
          b->on_failure(std::move(p));
          static_cast<void>(b->read());
        });
      }
    }
    auto const s = b->read();
    CHECK(s.state == breaker_state::open);
    CHECK(s.opened_count == 1);
    CHECK(s.failures == 3);
  }

  TEST_CASE("a refusal throws from value()") {
    fake_clocks clocks;
    auto const b = opened(clocks);
    CHECK_THROWS_AS(static_cast<void>(b->acquire().value()), std::runtime_error);
  }

  TEST_CASE("metrics JSON") {
    fake_clocks clocks;
    auto const b = clocks.make();
    CHECK(db::to_json(b->read()) ==
          R"({"state":"closed","failures":0,"opened_count":0,"last_opened_at":null})");
    clocks.advance(1500ms);
    for (int i = 0; i < 3; ++i) fail(*b);
    CHECK(db::to_json(b->read()) == R"({"state":"open","failures":3,"opened_count":1,)"
                                    R"("last_opened_at":"2026-11-24T04:30:01Z"})");
    clocks.advance(60s);  // the failures have left the window too
    CHECK(db::to_json(b->read()) == R"({"state":"half_open","failures":0,"opened_count":1,)"
                                    R"("last_opened_at":"2026-11-24T04:30:01Z"})");
  }
}
