#include "wsd/http/router.hpp"

#include <doctest/doctest.h>

using namespace wsd::http;

TEST_SUITE("router") {
  TEST_CASE("matches literals and parameters") {
    router r;
    r.add(method::get, "/health");
    r.add(method::get, "/api/workstations");
    r.add(method::get, "/api/workstations/{id}");
    r.add(method::patch, "/api/workstations/{id}");

    SUBCASE("literal") {
      auto m = r.find(method::get, "/health");
      REQUIRE(m.has_value());
      CHECK(m->index == 0);
      CHECK(m->params.size() == 0);
    }
    SUBCASE("parameter") {
      auto m = r.find(method::patch, "/api/workstations/42");
      REQUIRE(m.has_value());
      CHECK(m->index == 3);
      CHECK(m->params[0] == "42");
    }
    SUBCASE("HEAD uses the GET route") {
      auto m = r.find(method::head, "/api/workstations/7");
      REQUIRE(m.has_value());
      CHECK(m->index == 2);
    }
    SUBCASE("unknown path is 404") {
      for (auto p :
           {"/nope", "/health/", "/api/workstations/1/x", "/api/workstations/", "", "health"}) {
        auto m = r.find(method::get, p);
        REQUIRE(m.has_error());
        CHECK(m.error().code == wsd::core::errc::not_found);
      }
    }
    SUBCASE("known path, other method is 405 with Allow") {
      auto m = r.find(method::del, "/api/workstations/1");
      REQUIRE(m.has_error());
      CHECK(m.error().code == wsd::core::errc::method_not_allowed);
      CHECK(m.error().allow == "GET, HEAD, PATCH");
    }
  }
}
