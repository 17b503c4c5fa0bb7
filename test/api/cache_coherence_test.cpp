// Black-box tests of read-your-writes (SPEC.md "Cache semantics"): once a
// write has answered 2xx, no GET on the same instance returns the old state,
// also while other clients keep the entry hot. The real wsd binary on an
// ephemeral port with a temporary SQLite database.
#include "support/cache_server.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdint>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;
using namespace wsd::test;  // cache_server, the paths and the JSON readers
using namespace std::chrono_literals;

}  // namespace

TEST_SUITE("cache api") {
  TEST_CASE("read-your-writes: each PATCH, POST and DELETE shows in the next GET") {
    cache_server const s;
    auto const anchor = s.create("ws-anchor", "online");
    std::vector<std::string> const lists{list_path(""), list_path("?status=online"),
                                         list_path("?tag=rack&limit=1000")};
    auto const warm_all = [&](std::int64_t id) {
      warm(s, item_path(id));
      for (auto const& l : lists) warm(s, l);
    };
    for (int round = 0; round < 6; ++round) {
      CAPTURE(round);
      auto const online = round % 2 == 1;
      auto const description = "round-" + std::to_string(round);
      warm_all(anchor);
      json::object const changes{{"description", description},
                                 {"status", online ? "online" : "offline"}};
      auto const patched = s.call("PATCH", item_path(anchor), json::serialize(changes));
      INFO("PATCH -> " << patched.status << " " << patched.body);
      REQUIRE(patched.status == 200);
      auto const after = s.call("GET", item_path(anchor));
      REQUIRE(after.status == 200);
      CHECK(after.header("X-Cache") == "MISS");
      CHECK(after.json() == patched.json());
      CHECK(after.header("ETag") == patched.header("ETag"));
      CHECK(contains(ids_in(s.get_object(lists[0])), anchor));
      CHECK(contains(ids_in(s.get_object(lists[1])), anchor) == online);
      auto const tagged = s.get_object(lists[2]);
      for (auto const& w : tagged.at("items").as_array())
        if (integer(w.as_object(), "id") == anchor)
          CHECK(w.at("description") == json::value(description));

      warm_all(anchor);
      auto const added = s.create("ws-round-" + std::to_string(round), "online");
      CHECK(s.x_cache(item_path(added)) == "MISS");
      for (auto const& l : lists) {
        CAPTURE(l);
        auto const page = s.get_object(l);
        CHECK(contains(ids_in(page), added));
      }

      warm_all(added);
      auto const total_before = integer(s.get_object(lists[0]), "total");
      CHECK(s.call("DELETE", item_path(added)).status == 204);
      check_error(s.call("GET", item_path(added)), 404, "not_found");
      for (auto const& l : lists) {
        CAPTURE(l);
        CHECK_FALSE(contains(ids_in(s.get_object(l)), added));
      }
      CHECK(integer(s.get_object(lists[0]), "total") == total_before - 1);
    }
  }

  TEST_CASE("a PATCH racing cached reads: the GET after it never shows the old version") {
    cache_server const s;
    auto const id = s.create("ws-raced");
    std::atomic<bool> done{false};
    std::atomic<int> reader_failures{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r) {
      readers.emplace_back([&] {
        while (!done.load()) {
          try {
            if (s.call("GET", item_path(id)).status != 200) ++reader_failures;
          } catch (std::exception const&) {
            ++reader_failures;
          }
        }
      });
    }
    for (int round = 0; round < 40; ++round) {
      CAPTURE(round);
      auto const patched =
          s.call("PATCH", item_path(id), json::serialize(json::object{{"port", 1000 + round}}));
      REQUIRE(patched.status == 200);
      auto const version = integer(patched.json().as_object(), "version");
      auto const after = s.call("GET", item_path(id));
      REQUIRE(after.status == 200);
      CHECK(integer(after.json().as_object(), "version") == version);
      CHECK(after.header("ETag") == patched.header("ETag"));
    }
    done = true;
    for (auto& t : readers) t.join();
    CHECK(reader_failures.load() == 0);
  }
}
