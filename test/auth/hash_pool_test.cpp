#include "wsd/auth/hash_pool.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace auth = wsd::auth;

TEST_SUITE("hash pool") {
  TEST_CASE("at most max_pending admissions exist at once") {
    auth::hash_pool pool(1, 3);
    std::vector<auth::hash_pool::admission> held;
    for (int i = 0; i < 3; ++i) {
      auto a = pool.try_admit();
      REQUIRE(a);
      held.push_back(std::move(*a));
    }
    CHECK(pool.pending() == 3);
    CHECK_FALSE(pool.try_admit());
    held.pop_back();
    CHECK(pool.pending() == 2);
    CHECK(pool.try_admit());  // admitted and given back at once
    CHECK(pool.pending() == 2);
  }

  TEST_CASE("zero admits nothing") {
    auth::hash_pool pool(1, 0);
    CHECK_FALSE(pool.try_admit());
  }

  TEST_CASE("concurrent admissions never exceed the bound") {
    auth::hash_pool pool(1, 10);
    std::atomic<unsigned> most{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 1000; ++i) {
          auto const a = pool.try_admit();
          auto const now = static_cast<unsigned>(pool.pending());
          auto seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
        }
      });
    for (auto& t : threads) t.join();
    CHECK(most.load() <= 10);
    CHECK(pool.pending() == 0);
  }

  TEST_CASE("run() executes off the caller's thread and resumes on its executor") {
    // The io_context outlives the pool: a hash thread may still be inside
    // its post of the completion when run() returns, until the pool joins.
    boost::asio::io_context io;
    auth::hash_pool pool(2, 4);
    auto const caller = std::this_thread::get_id();
    std::thread::id ran_on;
    std::thread::id resumed_on;
    struct where {
      std::thread::id* out;
      int operator()() const {
        *out = std::this_thread::get_id();
        return 42;
      }
    };
    int answer = 0;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          where job{&ran_on};
          answer = co_await pool.run(job);
          resumed_on = std::this_thread::get_id();
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    io.run();
    CHECK(answer == 42);
    CHECK(ran_on != caller);
    CHECK(resumed_on == caller);
  }
}
