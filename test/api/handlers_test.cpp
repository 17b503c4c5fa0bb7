// The handlers in-process: dispatcher → handler → cache → repository →
// SQLite, with no socket and no child process (support/api_harness).
#include <doctest/doctest.h>

#include "support/api_harness.hpp"

using wsd::http::method;
using wsd::test::api_harness;
using wsd::test::api_request;

namespace {

api_request create_request(std::string const& token, std::string name) {
  return {method::post, "/api/workstations",
          R"({"name":")" + name + R"(","host":"10.0.0.7","port":5985,"tags":["gpu"]})", token};
}

}  // namespace

TEST_SUITE("api handlers in-process") {
  TEST_CASE("create answers 201 with Location and the workstation, and get reads it back") {
    api_harness api;
    auto const made = api.call(create_request(api.operator_(), "ws-1"));
    REQUIRE(made.status == 201);
    auto const id = made.json().at("id").as_int64();
    CHECK(made.header("Location") == "/api/workstations/" + std::to_string(id));
    CHECK(made.json().at("version") == 1);
    CHECK_FALSE(made.header("ETag").empty());

    auto const got = api.get("/api/workstations/" + std::to_string(id), api.viewer());
    CHECK(got.status == 200);
    CHECK(got.body == made.body);
    CHECK(got.header("ETag") == made.header("ETag"));
    CHECK(got.header("X-Cache") == "MISS");
  }

  TEST_CASE("a second read is a cache hit that makes no query") {
    api_harness api;
    auto const made = api.call(create_request(api.operator_(), "ws-1"));
    REQUIRE(made.status == 201);
    auto const path = made.header("Location");
    REQUIRE(api.get(path, api.viewer()).status == 200);
    auto const before = api.queries();
    auto const again = api.get(path, api.viewer());
    CHECK(again.status == 200);
    CHECK(again.header("X-Cache") == "HIT");
    CHECK(api.queries() == before);
  }

  TEST_CASE("a write is read back at once: the item and every list are forgotten") {
    api_harness api;
    auto const made = api.call(create_request(api.operator_(), "ws-1"));
    REQUIRE(made.status == 201);
    auto const path = made.header("Location");
    REQUIRE(api.get(path, api.viewer()).status == 200);
    REQUIRE(api.get("/api/workstations", api.viewer()).json().at("total") == 1);

    auto const patched = api.call({method::patch, path, R"({"status":"online"})", api.operator_()});
    REQUIRE(patched.status == 200);
    CHECK(patched.json().at("version") == 2);
    auto const item = api.get(path, api.viewer());
    CHECK(item.json().at("status") == "online");
    CHECK(item.header("X-Cache") == "MISS");
    auto const list = api.get("/api/workstations?status=online", api.viewer());
    CHECK(list.json().at("total") == 1);

    REQUIRE(api.call({method::del, path, {}, api.operator_()}).status == 204);
    CHECK(api.get(path, api.viewer()).status == 404);
    CHECK(api.get("/api/workstations", api.viewer()).json().at("total") == 0);
  }

  TEST_CASE("errors carry the SPEC's codes and headers") {
    api_harness api;
    SUBCASE("no token: 401 with WWW-Authenticate") {
      auto const r = api.get("/api/workstations");
      CHECK(r.status == 401);
      CHECK(r.error_code() == "unauthorized");
      CHECK(r.header("WWW-Authenticate").starts_with("Bearer"));
    }
    SUBCASE("a viewer may not write: 403") {
      auto const r = api.call(create_request(api.viewer(), "ws-1"));
      CHECK(r.status == 403);
      CHECK(r.error_code() == "forbidden");
    }
    SUBCASE("unknown route 404, wrong method 405 with Allow") {
      CHECK(api.get("/nope").error_code() == "not_found");
      auto const r = api.call({method::put, "/api/workstations", "{}", api.admin()});
      CHECK(r.status == 405);
      CHECK(r.header("Allow") == "GET, HEAD, POST");
    }
    SUBCASE("invalid fields: 422 with details") {
      auto const r =
          api.call({method::post, "/api/workstations", R"({"name":"","port":0})", api.operator_()});
      CHECK(r.status == 422);
      CHECK(r.error_code() == "validation_failed");
      CHECK(r.json().at("error").at("details").as_array().size() >= 2);
    }
    SUBCASE("a duplicate name: 409") {
      REQUIRE(api.call(create_request(api.operator_(), "ws-1")).status == 201);
      auto const r = api.call(create_request(api.operator_(), "ws-1"));
      CHECK(r.status == 409);
      CHECK(r.error_code() == "conflict");
    }
    SUBCASE("a stale If-Match: 412") {
      auto const made = api.call(create_request(api.operator_(), "ws-1"));
      REQUIRE(made.status == 201);
      api_request patch{method::patch, made.header("Location"), R"({"port":22})", api.operator_()};
      patch.if_match = "\"not-the-etag\"";
      auto const r = api.call(patch);
      CHECK(r.status == 412);
      CHECK(r.error_code() == "precondition_failed");
    }
  }

  TEST_CASE("path parameters are percent-decoded") {
    api_harness api;
    auto const made = api.call(create_request(api.operator_(), "ws-1"));
    REQUIRE(made.status == 201);
    auto const id = std::to_string(made.json().at("id").as_int64());
    std::string encoded;
    for (char c : id) encoded += "%3" + std::string(1, c);
    CHECK(api.get("/api/workstations/" + encoded, api.viewer()).status == 200);
    auto const nobody = api.call({method::del, "/api/users/nob%6Fdy", {}, api.admin()});
    CHECK(nobody.status == 404);
    CHECK(nobody.body.find("'nobody'") != std::string::npos);
    auto const bad = api.get("/api/workstations/%zz", api.viewer());
    CHECK(bad.status == 400);
    CHECK(bad.error_code() == "bad_request");
    // An encoded slash stays inside its segment: no such workstation.
    CHECK(api.get("/api/workstations/1%2F2", api.viewer()).status == 404);
  }

  TEST_CASE("an Idempotency-Key replays the stored answer, built by the handler") {
    api_harness api;
    auto request = create_request(api.operator_(), "ws-1");
    request.idempotency_key = "create-ws-1";
    auto const first = api.call(request);
    REQUIRE(first.status == 201);
    auto const again = api.call(request);
    CHECK(again.status == 201);
    CHECK(again.body == first.body);
    CHECK(again.header("Location") == first.header("Location"));
    CHECK(again.header("Idempotent-Replayed") == "true");
    CHECK(api.get("/api/workstations", api.viewer()).json().at("total") == 1);
  }
}
