#include "wsd/cache/sharded_cache.hpp"

#include <array>
#include <atomic>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using wsd::cache::entry;
using wsd::cache::entry_ptr;
using wsd::cache::get_result;
using wsd::cache::load_result;
using wsd::cache::loader;
using wsd::cache::outcome;
using wsd::cache::sharded_cache;

namespace {

entry_ptr make_entry(std::string body) {
  return std::make_shared<entry const>(entry{
      std::make_shared<std::string const>(std::move(body)), "\"etag\"", "application/json", {}});
}

wsd::cache::options small_options() {
  wsd::cache::options o;
  o.shards = 4;
  o.max_bytes = 1 << 20;
  o.ttl = 10s;
  o.max_stale = 30s;
  o.sweep_interval = 1ms;
  return o;
}

// An io_context run by two threads, a fake clock and the cache under test.
// The test's main thread is a foreign thread that waits on futures.
class harness {
 public:
  explicit harness(wsd::cache::options opts = small_options())
      : cache(ioc.get_executor(), opts, clock_) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc.run(); });
  }
  harness(harness const&) = delete;
  harness& operator=(harness const&) = delete;
  ~harness() {
    work_.reset();
    ioc.stop();
    for (auto& t : threads_) t.join();
  }

  void advance(std::chrono::nanoseconds d) { clock_.advance(d); }

  // Runs a coroutine on a fresh strand, like a connection's, and waits for it.
  template <typename T>
  T run(asio::awaitable<T> a) {
    return asio::co_spawn(asio::make_strand(ioc), std::move(a), asio::use_future).get();
  }

  template <typename T>
  std::future<T> spawn(asio::awaitable<T> a) {
    return asio::co_spawn(asio::make_strand(ioc), std::move(a), asio::use_future);
  }

  asio::awaitable<wsd::cache::stats> stats() { return cache.statistics(); }

  asio::io_context ioc{2};

 private:
  wsd::util::fake_clock clock_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{ioc.get_executor()};

 public:
  sharded_cache cache;

 private:
  std::vector<std::thread> threads_;
};

// Holds loaders until the test opens it; safe to use from any thread.
class gate {
 public:
  explicit gate(asio::io_context& ioc)
      : strand_(asio::make_strand(ioc)), timer_(strand_, asio::steady_timer::time_point::max()) {}

  asio::awaitable<void> wait() {
    co_await asio::co_spawn(
        strand_,
        [this]() -> asio::awaitable<void> {
          if (open_) co_return;
          boost::system::error_code ec;
          co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        },
        asio::use_awaitable);
  }

  void open() {
    asio::post(strand_, [this] {
      open_ = true;
      timer_.cancel();
    });
  }

 private:
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer timer_;
  bool open_ = false;
};

// Re-checks `holds` every millisecond until it is true; false after 10 s.
template <typename Predicate>
asio::awaitable<bool> eventually(Predicate holds) {
  auto const deadline = std::chrono::steady_clock::now() + 10s;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!co_await holds()) {
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    timer.expires_after(1ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_return true;
}

// A loader that counts its calls and answers `answer`, optionally after `g`.
loader counting(std::atomic<int>& calls, load_result answer, gate* g = nullptr) {
  return [&calls, answer, g]() -> asio::awaitable<load_result> {
    ++calls;
    if (g) co_await g->wait();
    co_return answer;
  };
}

// What a get answered, whether it resumed on its own strand, and the
// exception it threw if any. Exceptions are caught on the io thread: an
// exception_ptr handed across threads through a future makes TSan report
// libstdc++'s uninstrumented refcount as a race.
struct observed {
  get_result result;
  bool on_own_strand = false;
  std::string exception;
};

asio::awaitable<observed> observe_get(harness& h,
                                      asio::strand<asio::io_context::executor_type> strand,
                                      std::string key, loader load) {
  try {
    auto r = co_await h.cache.get(key, load);
    co_return observed{std::move(r), strand.running_in_this_thread(), {}};
  } catch (std::exception const& e) {
    co_return observed{get_result{}, strand.running_in_this_thread(), e.what()};
  }
}

std::future<observed> spawn_get(harness& h, std::string key, loader load) {
  auto const strand = asio::make_strand(h.ioc);
  return asio::co_spawn(strand, observe_get(h, strand, std::move(key), std::move(load)),
                        asio::use_future);
}

get_result get_now(harness& h, std::string const& key, loader load) {
  return spawn_get(h, key, std::move(load)).get().result;
}

bool wait_for_misses(harness& h, std::uint64_t n) {
  return h.run(eventually(
      [&]() -> asio::awaitable<bool> { co_return (co_await h.stats()).total.misses >= n; }));
}

std::string const key = "workstations:item:1";

}  // namespace

TEST_SUITE("sharded cache") {
  TEST_CASE("shard counts are powers of two") {
    CHECK(wsd::cache::default_shard_count(0) == 4);
    CHECK(wsd::cache::default_shard_count(1) == 4);
    CHECK(wsd::cache::default_shard_count(2) == 8);
    CHECK(wsd::cache::default_shard_count(3) == 16);
    CHECK(wsd::cache::default_shard_count(16) == 64);
    asio::io_context ioc;
    auto o = small_options();
    o.shards = 5;
    CHECK(sharded_cache(ioc.get_executor(), o).shard_count() == 8);
    o.shards = 0;
    CHECK(sharded_cache(ioc.get_executor(), o).shard_count() ==
          wsd::cache::default_shard_count(std::thread::hardware_concurrency()));
  }

  TEST_CASE("a miss loads and stores, the next get hits without loading") {
    harness h;
    std::atomic<int> calls{0};
    auto const value = make_entry("{\"id\":1}");

    auto const first = spawn_get(h, key, counting(calls, value)).get();
    REQUIRE(first.result.has_value());
    CHECK(first.result->how == outcome::miss);
    CHECK(first.result->value == value);
    CHECK(first.on_own_strand);

    auto const second = spawn_get(h, key, counting(calls, make_entry("other"))).get();
    REQUIRE(second.result.has_value());
    CHECK(second.result->how == outcome::hit);
    CHECK(second.result->value == value);  // the same bytes, not a copy
    CHECK(second.on_own_strand);
    CHECK(calls == 1);

    SUBCASE("until the ttl runs out") {
      h.advance(10s);
      auto const third = get_now(h, key, counting(calls, make_entry("new")));
      REQUIRE(third.has_value());
      CHECK(third->how == outcome::miss);
      CHECK(*third->value->body == "new");
      CHECK(calls == 2);
    }
    SUBCASE("counted in the statistics") {
      get_now(h, "workstations:item:2", counting(calls, value));
      auto const s = h.run(h.stats());
      CHECK(s.total.hits == 1);
      CHECK(s.total.misses == 2);
      CHECK(s.total.loads == 2);
      CHECK(s.total.entries == 2);
      CHECK(s.total.hit_rate == doctest::Approx(1.0 / 3));
    }
  }

  TEST_CASE("concurrent misses on one key run one load and all get its value") {
    harness h;
    gate g(h.ioc);
    std::atomic<int> calls{0};
    auto const value = make_entry("v");
    constexpr int n = 100;
    std::vector<std::future<observed>> gets;
    for (int i = 0; i < n; ++i) gets.push_back(spawn_get(h, key, counting(calls, value, &g)));
    REQUIRE(wait_for_misses(h, n));
    g.open();
    int served = 0;
    for (auto& f : gets) {
      auto const o = f.get();
      REQUIRE(o.result.has_value());
      served += o.result->value == value && o.result->how == outcome::miss;
      CHECK(o.on_own_strand);  // each waiter resumed on its executor, not the loader's
    }
    CHECK(served == n);
    CHECK(calls == 1);
    auto const s = h.run(h.stats());
    CHECK(s.total.loads == 1);
    CHECK(s.total.entries == 1);
    CHECK(get_now(h, key, counting(calls, value))->how == outcome::hit);
  }

  TEST_CASE("a failed load reaches every waiter and stores nothing") {
    harness h;
    gate g(h.ioc);
    std::atomic<int> calls{0};
    constexpr int n = 10;

    SUBCASE("an error value") {
      std::vector<std::future<observed>> gets;
      for (int i = 0; i < n; ++i)
        gets.push_back(spawn_get(h, key, counting(calls, wsd::core::internal("db"), &g)));
      REQUIRE(wait_for_misses(h, n));
      g.open();
      for (auto& f : gets) {
        auto const o = f.get();
        REQUIRE(o.result.has_error());
        CHECK(o.result.error().code == wsd::core::errc::internal);
        CHECK(o.result.error().message == "db");
        CHECK(o.on_own_strand);
      }
    }
    SUBCASE("a 503 with no entry held") {
      std::vector<std::future<observed>> gets;
      for (int i = 0; i < n; ++i) {
        gets.push_back(
            spawn_get(h, key, counting(calls, wsd::core::unavailable("breaker open", 5s), &g)));
      }
      REQUIRE(wait_for_misses(h, n));
      g.open();
      for (auto& f : gets) {
        auto const o = f.get();
        REQUIRE(o.result.has_error());
        CHECK(o.result.error().code == wsd::core::errc::unavailable);
      }
    }
    SUBCASE("a throwing loader: its caller gets the exception, the waiters a 500") {
      loader const throwing = [&]() -> asio::awaitable<load_result> {
        ++calls;
        co_await g.wait();
        throw std::runtime_error("boom");
      };
      std::vector<std::future<observed>> gets;
      for (int i = 0; i < n; ++i) gets.push_back(spawn_get(h, key, throwing));
      REQUIRE(wait_for_misses(h, n));
      g.open();
      int thrown = 0;
      int failed = 0;
      for (auto& f : gets) {
        auto const o = f.get();
        thrown += o.exception == "boom";
        failed += o.exception.empty() && o.result.has_error() &&
                  o.result.error().code == wsd::core::errc::internal &&
                  o.result.error().message == "load failed";
      }
      CHECK(thrown == 1);
      CHECK(failed == n - 1);
    }
    SUBCASE("a loader answering a null entry") {
      auto const r = get_now(h, key, counting(calls, entry_ptr{}));
      REQUIRE(r.has_error());
      CHECK(r.error().code == wsd::core::errc::internal);
    }
    CHECK(calls == 1);
    CHECK(h.run(h.stats()).total.entries == 0);
    auto const retry = get_now(h, key, counting(calls, make_entry("ok")));
    REQUIRE(retry.has_value());
    CHECK(retry->how == outcome::miss);
    CHECK(calls == 2);
  }

  TEST_CASE("a cancelled leader fails its waiters and frees the key") {
    harness h;
    std::atomic<int> calls{0};
    loader const slow = [&]() -> asio::awaitable<load_result> {
      ++calls;
      asio::steady_timer t(co_await asio::this_coro::executor, 1h);
      co_await t.async_wait(asio::use_awaitable);
      co_return make_entry("never");
    };
    auto const leader_strand = asio::make_strand(h.ioc);
    asio::cancellation_signal cancel;
    auto leader = asio::co_spawn(leader_strand, observe_get(h, leader_strand, key, slow),
                                 asio::bind_cancellation_slot(cancel.slot(), asio::use_future));
    REQUIRE(wait_for_misses(h, 1));
    std::vector<std::future<observed>> waiters;
    for (int i = 0; i < 5; ++i) waiters.push_back(spawn_get(h, key, slow));
    REQUIRE(wait_for_misses(h, 6));
    asio::post(leader_strand, [&] { cancel.emit(asio::cancellation_type::terminal); });

    CHECK(leader.get().exception.find("Operation canceled") != std::string::npos);
    for (auto& f : waiters) {
      auto const o = f.get();
      REQUIRE(o.result.has_error());
      CHECK(o.result.error().message == "load failed");
    }
    CHECK(calls == 1);
    auto const again = get_now(h, key, counting(calls, make_entry("fresh")));
    REQUIRE(again.has_value());
    CHECK(*again->value->body == "fresh");
  }

  TEST_CASE("an expired entry within max_stale is served when the load answers 503/504") {
    harness h;  // ttl 10 s, max_stale 30 s
    std::atomic<int> calls{0};
    auto const old = make_entry("old");
    get_now(h, key, counting(calls, old));
    h.advance(15s);

    SUBCASE("to the caller and every waiter, as stale") {
      gate g(h.ioc);
      std::vector<std::future<observed>> gets;
      for (int i = 0; i < 5; ++i) {
        gets.push_back(
            spawn_get(h, key, counting(calls, wsd::core::unavailable("breaker open", 5s), &g)));
      }
      REQUIRE(wait_for_misses(h, 6));
      g.open();
      for (auto& f : gets) {
        auto const o = f.get();
        REQUIRE(o.result.has_value());
        CHECK(o.result->how == outcome::stale);
        CHECK(o.result->value == old);
      }
      CHECK(calls == 2);
      CHECK(h.run(h.stats()).total.stale == 5);
    }
    SUBCASE("on a 504 too") {
      auto const r = get_now(h, key, counting(calls, wsd::core::timeout("slow db")));
      REQUIRE(r.has_value());
      CHECK(r->how == outcome::stale);
    }
    SUBCASE("but not on other errors") {
      auto const r = get_now(h, key, counting(calls, wsd::core::internal("bug")));
      REQUIRE(r.has_error());
      CHECK(r.error().code == wsd::core::errc::internal);
    }
    SUBCASE("and not beyond max_stale") {
      h.advance(25s);  // 40 s old
      auto const r = get_now(h, key, counting(calls, wsd::core::unavailable("down", 5s)));
      REQUIRE(r.has_error());
      CHECK(r.error().code == wsd::core::errc::unavailable);
    }
    SUBCASE("never as fresh: a successful load replaces it") {
      auto const r = get_now(h, key, counting(calls, make_entry("new")));
      REQUIRE(r.has_value());
      CHECK(r->how == outcome::miss);
      CHECK(*r->value->body == "new");
    }
  }

  TEST_CASE("an invalidation during a load keeps its result out of the cache") {
    harness h;
    gate g(h.ioc);
    std::atomic<int> calls{0};
    auto const old = make_entry("old");
    std::vector<std::future<observed>> before;
    for (int i = 0; i < 4; ++i) before.push_back(spawn_get(h, key, counting(calls, old, &g)));
    REQUIRE(wait_for_misses(h, 4));

    SUBCASE("invalidate") {
      CHECK(h.run(h.cache.invalidate(key)) == 0);
    }
    SUBCASE("invalidate_matching") {
      CHECK(h.run(h.cache.invalidate_matching("workstations:item:*")) == 0);
    }
    SUBCASE("clear") {
      CHECK(h.run(h.cache.clear()) == 0);
    }

    // A get after the write does not join the older load: it loads anew.
    auto const current = make_entry("current");
    auto late = spawn_get(h, key, counting(calls, current));
    auto const joined_old_load = late.wait_for(10s) != std::future_status::ready;
    CHECK_FALSE(joined_old_load);
    if (joined_old_load) g.open();
    auto const after = late.get().result;
    REQUIRE(after.has_value());
    CHECK(after->value == current);
    CHECK(calls == 2);

    g.open();
    for (auto& f : before) {  // asked before the write: they get the older load
      auto const o = f.get();
      REQUIRE(o.result.has_value());
      CHECK(o.result->value == old);
    }
    auto const later = get_now(h, key, counting(calls, make_entry("unused")));
    REQUIRE(later.has_value());
    CHECK(later->how == outcome::hit);
    CHECK(later->value == current);  // not overwritten by the older load
  }

  TEST_CASE("an invalidation of another key does not stop a load from storing") {
    harness h;
    gate g(h.ioc);
    std::atomic<int> calls{0};
    auto pending = spawn_get(h, key, counting(calls, make_entry("v"), &g));
    REQUIRE(wait_for_misses(h, 1));
    h.run(h.cache.invalidate("workstations:item:2"));
    h.run(h.cache.invalidate_matching("workstations:list:*"));
    g.open();
    CHECK(pending.get().result.has_value());
    CHECK(get_now(h, key, counting(calls, make_entry("x")))->how == outcome::hit);
  }

  TEST_CASE("invalidation, listing and clearing span all shards") {
    auto o = small_options();
    o.shards = 8;
    harness h(o);
    std::atomic<int> calls{0};
    for (int i = 0; i < 40; ++i)
      get_now(h, "workstations:item:" + std::to_string(i), counting(calls, make_entry("i")));
    for (int i = 0; i < 5; ++i)
      get_now(h, "workstations:list:limit=" + std::to_string(i), counting(calls, make_entry("l")));

    auto const s = h.run(h.stats());
    REQUIRE(s.shards == 8);
    REQUIRE(s.per_shard.size() == 8);
    auto const used = std::count_if(s.per_shard.begin(), s.per_shard.end(),
                                    [](auto const& p) { return p.entries > 0; });
    CHECK(used >= 4);  // the keys spread
    CHECK(s.total.entries == 45);
    CHECK(s.total.capacity_bytes == o.max_bytes);

    SUBCASE("invalidate_matching") {
      CHECK(h.run(h.cache.invalidate_matching("workstations:item:*")) == 40);
      CHECK(get_now(h, "workstations:list:limit=3", counting(calls, make_entry("x")))->how ==
            outcome::hit);
      CHECK(get_now(h, "workstations:item:3", counting(calls, make_entry("x")))->how ==
            outcome::miss);
      CHECK(h.run(h.stats()).total.invalidations == 40);
    }
    SUBCASE("invalidate one key") {
      CHECK(h.run(h.cache.invalidate("workstations:item:7")) == 1);
      CHECK(h.run(h.cache.invalidate("workstations:item:7")) == 0);
      CHECK(h.run(h.stats()).total.entries == 44);
    }
    SUBCASE("keys: sorted, filtered, limited") {
      auto const lists = h.run(h.cache.keys("workstations:list:*", 100));
      REQUIRE(lists.size() == 5);
      CHECK(lists.front().key == "workstations:list:limit=0");
      CHECK(lists.back().key == "workstations:list:limit=4");
      CHECK(lists.front().ttl_seconds == 10);
      CHECK(lists.front().bytes > 0);
      auto const items = h.run(h.cache.keys("workstations:item:?", 3));
      REQUIRE(items.size() == 3);
      CHECK(items[0].key == "workstations:item:0");
      CHECK(items[2].key == "workstations:item:2");
      h.advance(4s);
      auto const aged = h.run(h.cache.keys("workstations:item:9", 10));
      REQUIRE(aged.size() == 1);
      CHECK(aged[0].age_seconds == 4);
      CHECK(aged[0].ttl_seconds == 6);
    }
    SUBCASE("clear") {
      CHECK(h.run(h.cache.clear()) == 45);
      auto const after = h.run(h.stats());
      CHECK(after.total.entries == 0);
      CHECK(after.total.bytes == 0);
      CHECK(after.total.invalidations == 45);
      CHECK(get_now(h, "workstations:item:1", counting(calls, make_entry("x")))->how ==
            outcome::miss);
    }
  }

  TEST_CASE("statistics: totals are the sum of the shards, hit rate 0 before lookups") {
    harness h;
    auto const empty = h.run(h.stats());
    CHECK(empty.total.hit_rate == 0);
    CHECK(empty.total.entries == 0);
    CHECK(empty.total.capacity_bytes == small_options().max_bytes);

    std::atomic<int> calls{0};
    for (int i = 0; i < 10; ++i) {
      auto const k = "k" + std::to_string(i % 3);
      get_now(h, k, counting(calls, make_entry(k)));
    }
    auto const s = h.run(h.stats());
    CHECK(s.total.hits == 7);
    CHECK(s.total.misses == 3);
    CHECK(s.total.hit_rate == doctest::Approx(0.7));
    std::uint64_t hits = 0;
    std::size_t bytes = 0;
    for (auto const& p : s.per_shard) {
      hits += p.hits;
      bytes += p.bytes;
      CHECK(p.hit_rate >= 0);
      CHECK(p.hit_rate <= 1);
    }
    CHECK(hits == s.total.hits);
    CHECK(bytes == s.total.bytes);
  }

  TEST_CASE("one budget for all shards: max_bytes / 8 is cacheable whatever the shard count") {
    auto o = small_options();
    o.shards = 64;
    o.max_bytes = 64 * 1024;
    harness h(o);
    std::atomic<int> calls{0};
    auto const large = std::string(o.max_bytes / 8, 'x');
    get_now(h, key, counting(calls, make_entry(large)));
    CHECK(get_now(h, key, counting(calls, make_entry("y")))->how == outcome::hit);

    SUBCASE("more than a quarter of the budget is not stored") {
      get_now(h, "huge", counting(calls, make_entry(std::string(o.max_bytes / 4, 'x'))));
      CHECK(get_now(h, "huge", counting(calls, make_entry("y")))->how == outcome::miss);
    }
    SUBCASE("filling past the budget evicts across shards and stays within it") {
      for (int i = 0; i < 200; ++i)
        get_now(h, "k" + std::to_string(i), counting(calls, make_entry(std::string(2000, 'z'))));
      CHECK(h.run(eventually([&]() -> asio::awaitable<bool> {
        auto const s = co_await h.stats();
        co_return s.total.bytes <= s.total.capacity_bytes;
      })));
      auto const s = h.run(h.stats());
      CHECK(s.total.evictions > 0);
      CHECK(s.total.entries > 10);  // the budget is used, not a shard's slice of it
      CHECK(get_now(h, "k199", counting(calls, make_entry("y")))->how == outcome::hit);
    }
  }

  TEST_CASE("the sweeper removes expired entries") {
    auto o = small_options();
    o.max_stale = 0s;
    harness h(o);
    std::atomic<int> calls{0};
    for (int i = 0; i < 20; ++i)
      get_now(h, "k" + std::to_string(i), counting(calls, make_entry("v")));
    h.cache.start_sweeper();
    h.advance(5s);
    get_now(h, "young", counting(calls, make_entry("v")));
    h.advance(6s);  // the first 20 are 11 s old, "young" 6 s
    CHECK(h.run(eventually(
        [&]() -> asio::awaitable<bool> { co_return (co_await h.stats()).total.entries == 1; })));
    auto const s = h.run(h.stats());
    CHECK(s.total.expirations == 20);
    CHECK(h.run(h.cache.keys("*", 10)).at(0).key == "young");
    h.cache.stop();
  }

  TEST_CASE("invalidation from a foreign thread") {
    harness h;
    std::atomic<int> calls{0};
    for (int i = 0; i < 10; ++i)
      get_now(h, "workstations:item:" + std::to_string(i), counting(calls, make_entry("v")));
    get_now(h, "workstations:list:", counting(calls, make_entry("l")));

    std::size_t removed_by_coroutine = 0;
    std::thread listener([&] {
      h.cache.invalidate_detached("workstations:item:0");
      h.cache.invalidate_matching_detached("workstations:item:1*");
      removed_by_coroutine =
          asio::co_spawn(h.ioc, h.cache.invalidate_matching("workstations:item:?"),
                         asio::use_future)
              .get();
    });
    listener.join();
    CHECK(removed_by_coroutine == 8);  // a strand runs in order: the detached ones came first
    CHECK(h.run(eventually(
        [&]() -> asio::awaitable<bool> { co_return (co_await h.stats()).total.entries == 1; })));
    CHECK(h.run(h.cache.keys("*", 10)).at(0).key == "workstations:list:");
  }

  TEST_CASE("expired from a foreign thread: the next get reloads, an outage gets it stale") {
    harness h;  // ttl 10 s, max_stale 30 s
    std::atomic<int> calls{0};
    auto const old = make_entry("old");
    get_now(h, key, counting(calls, old));
    get_now(h, "other", counting(calls, make_entry("o")));
    std::thread listener([&] { h.cache.expire_matching_detached("workstations:*"); });
    listener.join();
    REQUIRE(h.run(eventually([&]() -> asio::awaitable<bool> {
      co_return (co_await h.cache.keys(key, 1)).at(0).ttl_seconds == 0;
    })));
    CHECK(h.run(h.stats()).total.entries == 2);

    SUBCASE("a failing load answers the entry as stale") {
      auto const r = get_now(h, key, counting(calls, wsd::core::unavailable("down", 5s)));
      REQUIRE(r.has_value());
      CHECK(r->how == outcome::stale);
      CHECK(r->value == old);
    }
    SUBCASE("a successful load replaces it") {
      auto const r = get_now(h, key, counting(calls, make_entry("new")));
      REQUIRE(r.has_value());
      CHECK(r->how == outcome::miss);
      auto const again = get_now(h, key, counting(calls, make_entry("unused")));
      REQUIRE(again.has_value());
      CHECK(again->how == outcome::hit);
      CHECK(*again->value->body == "new");
    }
    SUBCASE("keys outside the pattern stay fresh") {
      auto const r = get_now(h, "other", counting(calls, make_entry("unused")));
      REQUIRE(r.has_value());
      CHECK(r->how == outcome::hit);
    }
  }

  TEST_CASE("stress: concurrent gets, writes and clears keep read-your-writes") {
    // Each key's "database row" has a version; a load reads it when it starts,
    // then yields so writes can slip in before it completes.
    constexpr int keys = 8;
    std::array<std::atomic<int>, keys> versions{};
    auto o = small_options();
    o.max_bytes = 16 * 1024;  // small: evictions happen too
    harness h(o);
    auto const load_of = [&](int k) -> loader {
      return [&versions, k]() -> asio::awaitable<load_result> {
        auto const v = versions[k].load();
        for (int i = 0; i < 3; ++i) co_await asio::post(asio::use_awaitable);
        co_return make_entry(std::to_string(v));
      };
    };
    std::atomic<int> violations{0};
    auto const worker = [&](int seed) -> asio::awaitable<void> {
      unsigned state = static_cast<unsigned>(seed) * 2654435761U + 1;
      for (int i = 0; i < 400; ++i) {
        state = state * 1664525U + 1013904223U;
        int const k = static_cast<int>((state >> 8) % keys);
        auto const name = "workstations:item:" + std::to_string(k);
        auto const op = (state >> 20) % 16;
        if (op < 3) {  // a write: change the row, invalidate, then read it back
          auto const v = ++versions[k];
          co_await h.cache.invalidate(name);
          auto const r = co_await h.cache.get(name, load_of(k));
          if (!r || std::stoi(*r->value->body) < v) ++violations;
        } else if (op == 3) {
          co_await h.cache.clear();
        } else {
          auto const r = co_await h.cache.get(name, load_of(k));
          if (!r) ++violations;
        }
      }
    };
    std::vector<std::future<void>> workers;
    for (int w = 0; w < 8; ++w) workers.push_back(h.spawn(worker(w)));
    std::thread foreign([&] {
      for (int i = 0; i < 200; ++i) h.cache.invalidate_matching_detached("workstations:item:?");
    });
    for (auto& f : workers) f.get();
    foreign.join();
    CHECK(violations == 0);
    auto const s = h.run(h.stats());
    CHECK(s.total.bytes <= s.total.capacity_bytes);
  }
}
