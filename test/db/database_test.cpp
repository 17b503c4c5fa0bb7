#include "wsd/db/database.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <soci/soci.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "support/await.hpp"
#include "support/scratch_store.hpp"

namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace core = wsd::core;
namespace db = wsd::db;
using wsd::test::await;
using wsd::test::scratch_store;

core::result<int> backend_pid(soci::session& sql) {
  int pid = 0;
  sql << "SELECT pg_backend_pid()", soci::into(pid);
  return pid;
}

}  // namespace

TEST_SUITE("database") {
  TEST_CASE("a read whose PostgreSQL connection was terminated runs again on a fresh one") {
    auto const store = scratch_store::postgresql();
    wsd::metrics::registry metrics;
    db::database database(wsd::config::db_settings{store.url(), 1, 5000ms},
                          wsd::config::breaker_settings{}, metrics);
    auto const opened = database.open();
    REQUIRE_MESSAGE(opened.has_value(), opened.error());
    auto const first = await(database.read(backend_pid));
    REQUIRE(first.has_value());

    auto observer = store.open_session();
    observer << "SELECT pg_terminate_backend(" << *first << ")";
    auto const gone = [&] {
      int left = 1;
      observer << "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = " << *first, soci::into(left);
      return left == 0;
    };
    REQUIRE(wsd::test::eventually(gone, 10s, 10ms));

    SUBCASE("a read is answered, and nothing counts against the breaker") {
      auto const again = await(database.read(backend_pid));
      REQUIRE_MESSAGE(again.has_value(), again.error().message);
      CHECK(*again != *first);
      CHECK(metrics.database.retried_reads.load() == 1);
      CHECK(database.breaker().read().failures == 0);
    }
    SUBCASE("anything else answers unavailable at once, a breaker failure") {
      auto const again = await(database.run(backend_pid));
      REQUIRE(again.has_error());
      CHECK(again.error().code == core::errc::unavailable);
      CHECK_FALSE(again.error().overload);
      CHECK(metrics.database.retried_reads.load() == 0);
      CHECK(database.breaker().read().failures == 1);
      // The next call has a fresh connection.
      CHECK(await(database.run(backend_pid)).has_value());
    }
  }

  TEST_CASE("waiting for a free connection is overload: unavailable, but no breaker failure") {
    auto const store = scratch_store::sqlite();
    asio::io_context io;  // outlives the database, whose pool may still post to it
    wsd::metrics::registry metrics;
    wsd::config::breaker_settings breaker;
    breaker.failure_threshold = 10;
    // One connection and one pool thread, and a short query timeout.
    db::database database(wsd::config::db_settings{store.url(), 1, 300ms}, breaker, metrics);
    auto const opened = database.open();
    REQUIRE_MESSAGE(opened.has_value(), opened.error());

    // The first call holds the only connection past its timeout (a failure
    // of the database as far as anyone can tell); the second waits for it.
    auto const hold = [](soci::session&) -> core::result<int> {
      std::this_thread::sleep_for(1500ms);
      return 1;
    };
    auto const quick = [](soci::session&) -> core::result<int> { return 2; };
    std::optional<core::result<int>> held;
    std::optional<core::result<int>> waited;
    asio::co_spawn(
        asio::make_strand(io),
        [&]() -> asio::awaitable<void> { held = co_await database.run(hold); }, asio::detached);
    asio::co_spawn(
        asio::make_strand(io),
        [&]() -> asio::awaitable<void> { waited = co_await database.run(quick); }, asio::detached);
    io.run();
    database.close();

    REQUIRE(held.has_value());
    REQUIRE(waited.has_value());
    REQUIRE(held->has_error());
    CHECK(held->error().code == core::errc::timeout);
    REQUIRE(waited->has_error());
    CHECK(waited->error().code == core::errc::unavailable);
    CHECK(waited->error().overload);
    CHECK(waited->error().retry_after.has_value());
    CHECK(database.breaker().read().failures == 1);  // the held call's timeout only
  }
}
