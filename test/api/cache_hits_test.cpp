// Black-box tests of what a cached read answers (SPEC.md "Cache semantics"):
// MISS then HIT with the same body and ETag, normalized list keys, no
// database work on a hit, authentication and roles still checked on it, and
// one load for concurrent misses. The real wsd binary on an ephemeral port
// with a temporary SQLite database.
#include "support/await.hpp"
#include "support/cache_server.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
using namespace wsd::test;  // cache_server, the paths and the JSON readers
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

}  // namespace

TEST_SUITE("cache api") {
  TEST_CASE("an item GET is a MISS, then a HIT with the same body and ETag, 304 on a hit") {
    cache_server const s;
    auto const id = s.create("ws-a");
    for (auto const& target : {item_path(id), list_path("")}) {
      CAPTURE(target);
      auto const first = s.call("GET", target);
      REQUIRE(first.status == 200);
      CHECK(first.header("X-Cache") == "MISS");
      auto const etag = first.header("ETag");
      CHECK(!etag.empty());

      auto const second = s.call("GET", target);
      REQUIRE(second.status == 200);
      CHECK(second.header("X-Cache") == "HIT");
      CHECK(second.header("ETag") == etag);
      CHECK(second.body == first.body);
      CHECK(second.header("Content-Type").starts_with("application/json"));

      auto const not_modified = s.call("GET", target, {}, {{"If-None-Match", etag}});
      CHECK(not_modified.status == 304);
      CHECK(not_modified.body.empty());
      CHECK(not_modified.header("ETag") == etag);
      CHECK(not_modified.header("X-Cache") == "HIT");
      CHECK(s.call("GET", target, {}, {{"If-None-Match", "\"other\""}}).status == 200);
    }
    check_error(s.call("GET", item_path(id + 1000)), 404, "not_found");
    check_error(s.call("GET", item_path(id + 1000)), 404, "not_found");
  }

  TEST_CASE("list keys are normalized: parameter order and explicit defaults share a key") {
    cache_server const s;
    for (auto const* name : {"ws-1", "ws-2", "ws-3"}) s.create(name, "online");
    s.create("ws-off", "offline");

    auto const first = s.call("GET", list_path("?limit=5&status=online"));
    REQUIRE(first.status == 200);
    CHECK(first.header("X-Cache") == "MISS");
    CHECK(first.json().at("total") == 3);
    auto const swapped = s.call("GET", list_path("?status=online&limit=5"));
    REQUIRE(swapped.status == 200);
    CHECK(swapped.header("X-Cache") == "HIT");
    CHECK(swapped.body == first.body);

    CHECK(s.x_cache(list_path("")) == "MISS");
    CHECK(s.x_cache(list_path("?limit=100&offset=0")) == "HIT");
    CHECK(s.x_cache(list_path("?offset=0&limit=100")) == "HIT");
    CHECK(s.x_cache(list_path("?limit=100")) == "HIT");
    CHECK(s.keys("workstations:list:*").size() == 2);

    // Other parameters are other keys.
    auto const offline = s.call("GET", list_path("?status=offline&limit=5"));
    CHECK(offline.header("X-Cache") == "MISS");
    CHECK(offline.json().at("total") == 1);
    CHECK(s.x_cache(list_path("?limit=5")) == "MISS");
    CHECK(s.keys("workstations:list:*").size() == 4);
  }

  TEST_CASE("a hit does no database work") {
    cache_server const s;
    auto const id = s.create("ws-a");
    CHECK(s.x_cache(item_path(id)) == "MISS");
    CHECK(s.x_cache(list_path("?status=online")) == "MISS");

    auto const before = s.quiet_queries();
    CHECK(s.queries() == before);  // the metrics call itself costs nothing
    for (int i = 0; i < 25; ++i) {
      CHECK(s.x_cache(item_path(id)) == "HIT");
      CHECK(s.x_cache(list_path("?status=online")) == "HIT");
    }
    CHECK(s.queries() == before);

    // The counter is live: a miss queries.
    CHECK(s.call("POST", clear_path).status == 200);
    CHECK(s.x_cache(item_path(id)) == "MISS");
    CHECK(s.queries() > before);
  }

  TEST_CASE("auth and roles are still checked on a hit") {
    cache_server const s;
    auto const id = s.create("ws-secret");
    auto const viewer = s.user_token("viewer");
    for (auto const& target : {item_path(id), list_path("")}) {
      CAPTURE(target);
      warm(s, target);
      auto const no_token = s.anonymous("GET", target);
      check_unauthorized(no_token);
      CHECK(no_token.body.find("ws-secret") == std::string::npos);
      check_unauthorized(s.anonymous("GET", target, {{"Authorization", "Bearer not-a-jwt"}}));
      // A character well inside the signature (the last one has padding bits).
      auto tampered = viewer;
      auto& c = tampered[tampered.size() - 10];
      c = c == 'A' ? 'B' : 'A';
      check_unauthorized(s.anonymous("GET", target, {wsd::test::bearer(tampered)}));
      check_unauthorized(s.anonymous("GET", target, {{"Authorization", "Basic YWRtaW46eA=="}}));

      auto const as_viewer = s.anonymous("GET", target, {wsd::test::bearer(viewer)});
      CHECK(as_viewer.status == 200);
      CHECK(as_viewer.header("X-Cache") == "HIT");
    }
  }

  TEST_CASE("an expired token is refused on a hit") {
    // exp = iat + 5 with iat in whole seconds: each token lives at least 4 s,
    // long enough for its step below on a loaded machine; each step logs in
    // afresh.
    constexpr auto ttl = 5s;
    cache_server const s({"auth.token_ttl_seconds=5"});
    auto const login = [&] {
      return wsd::test::login(s.port(), "admin", wsd::test::test_admin_password);
    };
    auto const made =
        s.call_as(login(), "POST", collection, R"({"name":"ws-a","host":"10.0.0.1","port":22})");
    REQUIRE(made.status == 201);
    auto const target = item_path(integer(made.json().as_object(), "id"));
    auto const warming = login();
    CHECK(s.call_as(warming, "GET", target).header("X-Cache") == "MISS");
    CHECK(s.call_as(warming, "GET", target).header("X-Cache") == "HIT");

    auto const issued = steady::now();
    auto const token = login();
    auto const fresh = s.call_as(token, "GET", target);
    CHECK(fresh.status == 200);
    CHECK(fresh.header("X-Cache") == "HIT");
    http_response last;
    bool const refused = wsd::test::eventually(
        [&] {
          last = s.call_as(token, "GET", target);
          return last.status != 200;
        },
        60s, 25ms);
    CHECK(refused);
    check_unauthorized(last);
    CHECK(steady::now() - issued >= ttl - 1s);
  }

  TEST_CASE("concurrent misses on one key make one load (single-flight)") {
    cache_server const s;
    auto const a = s.create("ws-a");
    auto const b = s.create("ws-b");
    auto const q0 = s.quiet_queries();
    CHECK(s.x_cache(item_path(b)) == "MISS");
    auto const q1 = s.quiet_queries();
    auto const per_load = q1 - q0;
    REQUIRE(per_load >= 1);

    constexpr int clients = 20;
    std::vector<http_response> responses(clients);
    std::vector<std::string> errors(clients);
    std::latch start(clients);
    std::vector<std::thread> threads;
    auto const token = wsd::test::login(s.port(), "admin", wsd::test::test_admin_password);
    auto const q_after_login = s.quiet_queries();
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([&, i] {
        bool arrived = false;
        try {
          http_client client(s.port());
          arrived = true;
          start.arrive_and_wait();
          responses[i] = client.request("GET", item_path(a), {}, {wsd::test::bearer(token)});
        } catch (std::exception const& ex) {
          if (!arrived) start.count_down();
          errors[i] = ex.what();
        }
      });
    }
    for (auto& t : threads) t.join();
    int misses = 0;
    for (int i = 0; i < clients; ++i) {
      CAPTURE(i);
      CHECK(errors[i].empty());
      CHECK(responses[i].status == 200);
      CHECK(responses[i].body == responses[0].body);
      CHECK(responses[i].header("ETag") == responses[0].header("ETag"));
      if (responses[i].header("X-Cache") == "MISS") ++misses;
    }
    CHECK(misses >= 1);
    CHECK(s.quiet_queries() - q_after_login == per_load);
  }
}
