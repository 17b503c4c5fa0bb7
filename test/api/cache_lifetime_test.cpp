// Black-box tests of how long entries live (SPEC.md "Cache semantics"): the
// TTL and the sweep, the byte budget's LRU eviction, and cache.enabled=false.
// The real wsd binary on an ephemeral port with a temporary SQLite database.
#include "support/await.hpp"
#include "support/cache_server.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
using namespace wsd::test;  // cache_server, the paths and the JSON readers
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

}  // namespace

TEST_SUITE("cache api") {
  TEST_CASE("an entry expires after cache.ttl_seconds") {
    SUBCASE("the GET after the TTL is a MISS again") {
      cache_server const s({"cache.ttl_seconds=1"});
      auto const id = s.create("ws-a");
      auto const loaded = steady::now();
      CHECK(s.x_cache(item_path(id)) == "MISS");
      auto const held = s.keys("workstations:item:*");
      REQUIRE(held.size() == 1);
      CHECK(integer(held[0], "ttl_seconds") <= 1);
      std::string last;
      bool const expired = wsd::test::eventually(
          [&] {
            last = s.x_cache(item_path(id));
            return last == "MISS";
          },
          30s, 25ms);
      CHECK(expired);
      CHECK(steady::now() - loaded >= 1s);
    }
    SUBCASE("the sweep removes expired entries and counts them") {
      cache_server const s(
          {"cache.ttl_seconds=1", "cache.max_stale_seconds=0", "cache.sweep_interval_ms=50"});
      auto const id = s.create("ws-a");
      CHECK(s.x_cache(item_path(id)) == "MISS");
      CHECK(s.x_cache(list_path("")) == "MISS");
      json::object last;
      bool const swept = wsd::test::eventually(
          [&] {
            last = s.stats();
            return integer(last, "entries") == 0;
          },
          30s, 25ms);
      INFO("stats: " << json::serialize(last));
      CHECK(swept);
      CHECK(integer(last, "expirations") == 2);
      CHECK(integer(last, "bytes") == 0);
      CHECK(s.x_cache(item_path(id)) == "MISS");
    }
  }

  TEST_CASE("the byte budget evicts the least recently used entries") {
    cache_server const s({"cache.max_bytes=4096", "cache.shards=1"});
    std::string const description(200, 'x');
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 25; ++i)
      ids.push_back(s.create("ws-" + std::to_string(100 + i), "online", description));
    // ids[10..] have two-digit ids, so every entry that survives the scan
    // below has the same size.
    for (std::size_t i = 0; i < 24; ++i) CHECK(s.x_cache(item_path(ids[i])) == "MISS");

    auto const full = s.stats();
    check_stats_shape(full);
    CHECK(integer(full, "capacity_bytes") == 4096);
    CHECK(integer(full, "evictions") > 0);
    CHECK(integer(full, "bytes") <= 4096);
    auto const entries = integer(full, "entries");
    CHECK(entries > 1);
    CHECK(entries < 24);
    CHECK(integer(full, "evictions") == 24 - entries);

    // A scan keeps its tail.
    auto const held = s.held_items();
    CHECK(static_cast<std::int64_t>(held.size()) == entries);
    std::set<std::int64_t> const tail(ids.begin() + (24 - entries), ids.begin() + 24);
    CHECK(held == tail);

    // Touching the oldest entry makes its neighbour the one to go.
    REQUIRE(held.size() >= 2);
    auto const oldest = *held.begin();
    auto const next_oldest = *std::next(held.begin());
    CHECK(s.x_cache(item_path(oldest)) == "HIT");
    CHECK(s.x_cache(item_path(ids[24])) == "MISS");
    auto const after = s.held_items();
    CHECK(after.contains(oldest));
    CHECK_FALSE(after.contains(next_oldest));
    CHECK(after.contains(ids[24]));
    CHECK(integer(s.stats(), "bytes") <= 4096);
  }

  TEST_CASE("cache.enabled=false: every GET is a MISS that queries the database") {
    cache_server const s({"cache.enabled=false"});
    auto const id = s.create("ws-a");
    std::string etag;
    for (auto const& target : {item_path(id), list_path("")}) {
      CAPTURE(target);
      for (int i = 0; i < 4; ++i) {
        auto const before = s.quiet_queries();
        auto const r = s.call("GET", target);
        CHECK(r.status == 200);
        CHECK(r.header("X-Cache") == "MISS");
        CHECK(s.queries() > before);
        if (target == item_path(id)) {
          if (etag.empty()) etag = r.header("ETag");
          CHECK(r.header("ETag") == etag);
        }
      }
    }
    CHECK(s.call("GET", item_path(id), {}, {{"If-None-Match", etag}}).status == 304);
    CHECK(s.call("PATCH", item_path(id), R"({"port":22})").status == 200);
    CHECK(s.get_object(item_path(id)).at("port") == 22);

    auto const stats = s.stats();
    check_stats_shape(stats);
    CHECK(integer(stats, "entries") == 0);
    CHECK(integer(stats, "hits") == 0);
    CHECK(integer(s.call("POST", clear_path).json().as_object(), "entries_removed") == 0);
    auto const inv = s.call("POST", std::string(invalidate_path) + "?pattern=*");
    CHECK(inv.status == 200);
    CHECK(integer(inv.json().as_object(), "invalidated") == 0);
    CHECK(s.keys("*").empty());
  }
}
