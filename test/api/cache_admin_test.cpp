// Black-box tests of the cache's admin endpoints (SPEC.md
// /api/performance/cache-*): who may call them, and what cache-stats,
// cache-clear, cache-invalidate and cache-keys report and do. The real wsd
// binary on an ephemeral port with a temporary SQLite database.
#include "support/cache_server.hpp"
#include "support/http_client.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace json = boost::json;
using namespace wsd::test;  // cache_server, the paths and the JSON readers
using namespace std::chrono_literals;

}  // namespace

TEST_SUITE("cache api") {
  TEST_CASE("admin endpoints: 401 without a valid token, 403 for operator and viewer") {
    cache_server const s;
    auto const id = s.create("ws-a");
    warm(s, item_path(id));
    std::array<std::pair<std::string_view, std::string_view>, 6> const endpoints{{
        {"GET", stats_path},
        {"POST", clear_path},
        {"POST", "/api/performance/cache-invalidate?pattern=*"},
        {"GET", "/api/performance/cache-keys?pattern=*&limit=10"},
        {"GET", metrics_path},
        {"GET", prometheus_path},
    }};
    std::map<std::string_view, std::string> const below_admin{
        {"viewer", s.user_token("viewer")}, {"operator", s.user_token("operator")}};
    for (auto const& [method, target] : endpoints) {
      CAPTURE(target);
      check_unauthorized(s.anonymous(method, target));
      check_unauthorized(s.anonymous(method, target, {{"Authorization", "Bearer x.y.z"}}));
      for (auto const& [role, token] : below_admin) {
        CAPTURE(role);
        check_error(s.anonymous(method, target, {wsd::test::bearer(token)}), 403, "forbidden");
      }
    }
    // Nothing was cleared or invalidated by the refused calls.
    CHECK(s.x_cache(item_path(id)) == "HIT");
    for (auto const& [method, target] : endpoints) {
      CAPTURE(target);
      CHECK(s.call(method, target).status == 200);
    }
  }

  TEST_CASE("cache-stats figures follow the traffic") {
    cache_server const s({"cache.shards=4"});
    auto const a = s.create("ws-a");
    auto const b = s.create("ws-b");
    auto const initial = s.stats();
    check_stats_shape(initial);
    CHECK(integer(initial, "shards") == 4);
    CHECK(integer(initial, "capacity_bytes") == default_max_bytes);
    for (auto const field : {"entries", "bytes", "hits", "misses", "evictions", "expirations"}) {
      CAPTURE(field);
      CHECK(integer(initial, field) == 0);
    }
    CHECK(number(initial, "hit_rate") == 0.0);

    CHECK(s.x_cache(item_path(a)) == "MISS");
    for (int i = 0; i < 3; ++i) CHECK(s.x_cache(item_path(a)) == "HIT");
    CHECK(s.x_cache(item_path(b)) == "MISS");
    CHECK(s.x_cache(list_path("")) == "MISS");
    CHECK(s.x_cache(list_path("")) == "HIT");
    auto const after = s.stats();
    check_stats_shape(after);
    CHECK(integer(after, "hits") == 4);
    CHECK(integer(after, "misses") == 3);
    CHECK(integer(after, "entries") == 3);
    // Written as people write numbers, rounded to 4 decimals: never 5.714285714285714E-1.
    CHECK(number(after, "hit_rate") == doctest::Approx(4.0 / 7.0).epsilon(1e-3));
    CHECK(s.call("GET", stats_path).body.find(R"("hit_rate":0.5714,)") != std::string::npos);
    for (auto const target : {stats_path, metrics_path, prometheus_path}) {
      CAPTURE(target);
      auto const body = s.call("GET", target).body;
      // No exponent: a digit followed by e/E and a sign or a digit.
      bool exponent = false;
      for (std::size_t i = 1; i + 1 < body.size(); ++i)
        exponent = exponent || (std::isdigit(static_cast<unsigned char>(body[i - 1])) &&
                                (body[i] == 'e' || body[i] == 'E') &&
                                (body[i + 1] == '-' || body[i + 1] == '+' ||
                                 std::isdigit(static_cast<unsigned char>(body[i + 1]))));
      CHECK_FALSE(exponent);
    }
    CHECK(integer(after, "bytes") > 0);
    std::int64_t listed_bytes = 0;
    for (auto const& k : s.keys("*")) listed_bytes += integer(k, "bytes");
    CHECK(integer(after, "bytes") == listed_bytes);

    // The seed requirement: repeated GETs hit more than 80 % of the time.
    for (int i = 0; i < 10; ++i)
      for (auto const& target : {item_path(a), item_path(b), list_path("")}) s.x_cache(target);
    auto const repeated = s.stats();
    check_stats_shape(repeated);
    CHECK(number(repeated, "hit_rate") > 0.8);
    CHECK(integer(repeated, "hits") == 34);

    // A write removes its item and every list.
    auto const invalidations = integer(repeated, "invalidations");
    CHECK(s.call("PATCH", item_path(a), R"({"port":22})").status == 200);
    auto const written = s.stats();
    CHECK(integer(written, "invalidations") == invalidations + 2);
    CHECK(integer(written, "entries") == 1);
  }

  TEST_CASE("cache-clear removes every entry and reports how many") {
    cache_server const s;
    std::vector<std::int64_t> ids;
    for (auto const* name : {"ws-1", "ws-2", "ws-3"}) ids.push_back(s.create(name));
    for (auto const id : ids) warm(s, item_path(id));
    warm(s, list_path(""));
    auto const before = s.stats();
    CHECK(integer(before, "entries") == 4);

    auto const cleared = s.call("POST", clear_path);
    INFO("clear -> " << cleared.status << " " << cleared.body);
    REQUIRE(cleared.status == 200);
    CHECK(cleared.header("Content-Type").starts_with("application/json"));
    auto const body = cleared.json().as_object();
    CHECK(body.at("status") == "success");
    CHECK(integer(body, "entries_removed") == integer(before, "entries"));

    auto const after = s.stats();
    CHECK(integer(after, "entries") == 0);
    CHECK(integer(after, "bytes") == 0);
    CHECK(integer(after, "invalidations") == integer(before, "invalidations") + 4);
    for (auto const id : ids) CHECK(s.x_cache(item_path(id)) == "MISS");
    CHECK(s.x_cache(list_path("")) == "MISS");

    CHECK(integer(s.call("POST", clear_path).json().as_object(), "entries_removed") == 4);
    CHECK(integer(s.call("POST", clear_path).json().as_object(), "entries_removed") == 0);
  }

  TEST_CASE("cache-invalidate by ?pattern= and by JSON body") {
    cache_server const s;
    std::vector<std::int64_t> ids;
    for (auto const* name : {"ws-1", "ws-2", "ws-3"}) ids.push_back(s.create(name));
    std::vector<std::string> const lists{list_path(""), list_path("?status=online")};
    auto const warm_all = [&] {
      for (auto const id : ids) warm(s, item_path(id));
      for (auto const& l : lists) warm(s, l);
    };
    auto const invalidated = [](http_response const& r, std::string_view pattern) {
      INFO("invalidate -> " << r.status << " " << r.body);
      REQUIRE(r.status == 200);
      auto const body = r.json().as_object();
      CHECK(body.at("status") == "success");
      CHECK(body.at("pattern") == json::value(pattern));
      return integer(body, "invalidated");
    };

    SUBCASE("item keys by query; lists stay cached") {
      warm_all();
      auto const p = "workstations:item:*";
      CHECK(invalidated(s.call("POST", std::string(invalidate_path) + "?pattern=" + p), p) == 3);
      for (auto const id : ids) CHECK(s.x_cache(item_path(id)) == "MISS");
      for (auto const& l : lists) CHECK(s.x_cache(l) == "HIT");
    }
    SUBCASE("list keys by JSON body; items stay cached") {
      warm_all();
      auto const p = "workstations:list:*";
      auto const body = json::serialize(json::object{{"pattern", p}});
      CHECK(invalidated(s.call("POST", invalidate_path, body), p) == 2);
      for (auto const& l : lists) CHECK(s.x_cache(l) == "MISS");
      for (auto const id : ids) CHECK(s.x_cache(item_path(id)) == "HIT");
    }
    SUBCASE("one exact key, and `?` standing for one character") {
      warm_all();
      auto const exact = item_key(ids[0]);
      CHECK(invalidated(s.call("POST", std::string(invalidate_path) + "?pattern=" + exact),
                        exact) == 1);
      CHECK(s.x_cache(item_path(ids[0])) == "MISS");
      CHECK(s.x_cache(item_path(ids[1])) == "HIT");

      // ids 1..3 on a fresh database: one `?` per digit matches all three.
      auto const single = "workstations:item:" + std::string(std::to_string(ids[0]).size(), '?');
      auto const query = std::string(invalidate_path) + "?pattern=" + encode(single);
      CHECK(invalidated(s.call("POST", query), single) == 3);
      CHECK(s.x_cache(lists[0]) == "HIT");
      auto const none = "workstations:item:" + std::string(5, '?');
      CHECK(invalidated(s.call("POST", std::string(invalidate_path) + "?pattern=" + encode(none)),
                        none) == 0);
    }
    SUBCASE("the counter adds up the removed entries") {
      warm_all();
      auto const before = integer(s.stats(), "invalidations");
      CHECK(invalidated(s.call("POST", std::string(invalidate_path) + "?pattern=*"), "*") == 5);
      CHECK(integer(s.stats(), "invalidations") == before + 5);
      CHECK(integer(s.stats(), "entries") == 0);
    }
  }

  TEST_CASE("cache-invalidate and cache-keys refuse bad patterns with 400") {
    cache_server const s;
    auto const id = s.create("ws-a");
    warm(s, item_path(id));
    auto const path = std::string(invalidate_path);
    std::string const longest(256, '*');
    std::string const too_long(257, '*');
    std::vector<std::pair<std::string, std::string>> const refused{
        {path, ""},
        {path + "?pattern=", ""},
        {path + "?pattern=" + too_long, ""},
        {path + "?pattern=%01", ""},
        {path + "?pattern=a%7F", ""},
        {path + "?pattern=%C3%A9", ""},
        {path + "?pattern=%zz", ""},
        {path, R"({"pattern":""})"},
        {path, json::serialize(json::object{{"pattern", too_long}})},
        {path, R"({"pattern":"a\u0001"})"},
        {path, R"({"pattern":"caf\u00e9"})"},
        {path, R"({"pattern":5})"},
        {path, R"({"other":"*"})"},
        {path, "not json"},
    };
    for (auto const& [target, body] : refused) {
      CAPTURE(target);
      CAPTURE(body);
      check_error(s.call("POST", target, body), 400, "bad_request");
    }
    CHECK(s.x_cache(item_path(id)) == "HIT");

    for (auto const& bad : {std::string("%01"), too_long, std::string()}) {
      CAPTURE(bad);
      check_error(s.call("GET", std::string(keys_path) + "?pattern=" + bad), 400, "bad_request");
    }
    // A body without a JSON content type is 415, even beside ?pattern=.
    check_error(s.call("POST", path + "?pattern=*", "*", {{"Content-Type", "text/plain"}}), 415,
                "unsupported_media_type");
    CHECK(s.x_cache(item_path(id)) == "HIT");

    // 256 bytes is still a pattern (it matches every key).
    auto const at_limit = s.call("POST", path + "?pattern=" + longest);
    CHECK(at_limit.status == 200);
    CHECK(integer(at_limit.json().as_object(), "invalidated") == 1);
  }

  TEST_CASE("cache-keys lists keys with their age, ttl and size and honours limit") {
    cache_server const s;
    std::vector<std::int64_t> ids;
    std::map<std::string, std::size_t> body_size;
    for (auto const* name : {"ws-1", "ws-2", "ws-3"}) ids.push_back(s.create(name));
    for (auto const& target : {item_path(ids[0]), item_path(ids[1]), item_path(ids[2])}) {
      auto const r = s.call("GET", target);
      body_size[item_key(integer(r.json().as_object(), "id"))] = r.body.size();
    }
    CHECK(s.x_cache(list_path("")) == "MISS");

    auto const all = s.keys("*");
    CHECK(all.size() == 4);
    std::vector<std::string> names;
    std::int64_t total_bytes = 0;
    for (auto const& k : all) {
      INFO("key: " << json::serialize(k));
      REQUIRE(k.at("key").is_string());
      names.emplace_back(k.at("key").as_string());
      CHECK(integer(k, "age_seconds") >= 0);
      CHECK(integer(k, "age_seconds") <= 60);
      CHECK(integer(k, "ttl_seconds") > 240);
      CHECK(integer(k, "ttl_seconds") <= 300);
      CHECK(integer(k, "bytes") > 0);
      total_bytes += integer(k, "bytes");
      if (auto const it = body_size.find(names.back()); it != body_size.end())
        CHECK(static_cast<std::size_t>(integer(k, "bytes")) >= it->second);
    }
    CHECK(std::is_sorted(names.begin(), names.end()));
    CHECK(std::count_if(names.begin(), names.end(), [](std::string const& n) {
            return n.starts_with("workstations:list:");
          }) == 1);
    CHECK(std::set<std::string>(names.begin(), names.end() - 1) ==
          std::set<std::string>{item_key(ids[0]), item_key(ids[1]), item_key(ids[2])});
    CHECK(total_bytes == integer(s.stats(), "bytes"));

    auto const two = s.keys("workstations:item:*", 2);
    REQUIRE(two.size() == 2);
    CHECK(two[0].at("key") == json::value(names[0]));
    CHECK(two[1].at("key") == json::value(names[1]));
    CHECK(s.keys("workstations:item:*", 1).size() == 1);
    CHECK(s.keys("workstations:item:*").size() == 3);
    CHECK(s.keys("workstations:list:*", 10).size() == 1);
    CHECK(s.keys("nothing:*").empty());

    for (auto const* bad : {"0", "-1", "abc", "10001", ""}) {
      CAPTURE(bad);
      check_error(s.call("GET", std::string(keys_path) + "?pattern=*&limit=" + bad), 422,
                  "validation_failed");
    }
  }
}
