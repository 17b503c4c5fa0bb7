// User administration beyond create/list/delete, over HTTP against the real
// wsd binary (SPEC.md "Users, tokens and logins"): PATCH of a role or a
// password, a user changing its own password, logging out, the last-admin
// rule and the one password policy, the bootstrap password included.
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace {

using wsd::test::bearer;
using wsd::test::http_client;
using wsd::test::http_response;
using wsd::test::test_admin_password;
using wsd::test::wsd_server;

constexpr std::string_view user_password = "long-enough-pw";

std::string json(boost::json::object o) {
  return boost::json::serialize(o);
}

http_response login(http_client& client, std::string_view user, std::string_view password) {
  return client.request("POST", "/api/auth/login",
                        json({{"username", user}, {"password", password}}));
}

std::vector<std::string> detail_fields(http_response const& response) {
  std::vector<std::string> out;
  auto const body = response.json();
  for (auto const& d : body.at("error").at("details").as_array())
    out.emplace_back(d.at("field").as_string());
  return out;
}

void check_invalid(http_response const& response, std::string_view field) {
  INFO(response.status << " " << response.body);
  REQUIRE(response.status == 422);
  CHECK(response.error_code() == "validation_failed");
  auto const fields = detail_fields(response);
  CHECK(std::find(fields.begin(), fields.end(), field) != fields.end());
}

struct fixture {
  wsd_server server;
  http_client client{server.port()};
  std::string admin = wsd::test::login(server.port(), "admin", test_admin_password);

  http_response create(std::string_view name, std::string_view role) {
    return client.request("POST", "/api/users",
                          json({{"username", name}, {"password", user_password}, {"role", role}}),
                          {bearer(admin)});
  }
  http_response patch(std::string_view name, boost::json::object body,
                      std::string const& token = {}) {
    return client.request("PATCH", "/api/users/" + std::string(name), json(std::move(body)),
                          {bearer(token.empty() ? admin : token)});
  }
};

}  // namespace

TEST_SUITE("users api") {
  TEST_CASE("PATCH /api/users/{username} changes a role and a password") {
    fixture f;
    REQUIRE(f.create("bob", "viewer").status == 201);

    auto const promoted = f.patch("bob", {{"role", "operator"}});
    INFO(promoted.body);
    REQUIRE(promoted.status == 200);
    CHECK(promoted.json().at("username") == "bob");
    CHECK(promoted.json().at("role") == "operator");
    CHECK(promoted.body.find("password") == std::string::npos);
    CHECK(login(f.client, "bob", user_password).json().at("role") == "operator");

    auto const changed = f.patch("bob", {{"password", "another-long-pw"}, {"role", "viewer"}});
    REQUIRE(changed.status == 200);
    CHECK(changed.json().at("role") == "viewer");
    CHECK(login(f.client, "bob", user_password).status == 401);
    CHECK(login(f.client, "bob", "another-long-pw").json().at("role") == "viewer");
  }

  TEST_CASE("PATCH refuses what breaks the rules") {
    fixture f;
    REQUIRE(f.create("carol", "viewer").status == 201);
    check_invalid(f.patch("carol", {{"role", "root"}}), "role");
    check_invalid(f.patch("carol", {{"password", "short"}}), "password");
    check_invalid(f.patch("carol", {{"password", std::string(1025, 'x')}}), "password");
    check_invalid(f.patch("carol", {{"password", "carol"}}), "password");
    check_invalid(f.patch("carol", {{"nickname", "c"}}), "nickname");
    CHECK(f.patch("carol", {}).status == 422);
    auto const absent = f.patch("nobody", {{"role", "viewer"}});
    CHECK(absent.status == 404);
    CHECK(absent.error_code() == "not_found");
    auto const not_json = f.client.request("PATCH", "/api/users/carol", "{", {bearer(f.admin)});
    CHECK(not_json.status == 400);
    // A viewer may not change anybody.
    auto const viewer = wsd::test::login(f.server.port(), "carol", user_password);
    CHECK(f.patch("carol", {{"role", "admin"}}, viewer).status == 403);
  }

  TEST_CASE("the last admin can be neither demoted nor deleted") {
    fixture f;
    auto const demoted = f.patch("admin", {{"role", "operator"}});
    CHECK(demoted.status == 409);
    CHECK(demoted.error_code() == "conflict");
    REQUIRE(f.create("second", "admin").status == 201);
    CHECK(f.patch("admin", {{"role", "operator"}}).status == 200);
    auto const second = wsd::test::login(f.server.port(), "second", user_password);
    CHECK(f.patch("second", {{"role", "viewer"}}, second).status == 409);
    CHECK(f.client.request("DELETE", "/api/users/second", {}, {bearer(second)}).status == 409);
    // The password of the last admin may change.
    CHECK(f.patch("second", {{"password", "the-new-admin-pw"}}, second).status == 200);
  }

  TEST_CASE("POST /api/auth/password changes one's own password") {
    fixture f;
    REQUIRE(f.create("dave", "viewer").status == 201);
    auto const token = wsd::test::login(f.server.port(), "dave", user_password);
    auto change = [&](std::string_view current, std::string_view next) {
      return f.client.request("POST", "/api/auth/password",
                              json({{"current_password", current}, {"new_password", next}}),
                              {bearer(token)});
    };
    check_invalid(change("wrong-current-pw", "dave-new-password"), "current_password");
    check_invalid(change(user_password, "short"), "new_password");
    check_invalid(change(user_password, "dave"), "new_password");
    auto const missing = f.client.request("POST", "/api/auth/password", "{}", {bearer(token)});
    check_invalid(missing, "current_password");
    check_invalid(missing, "new_password");
    CHECK(login(f.client, "dave", user_password).status == 200);

    auto const done = change(user_password, "dave-new-password");
    CHECK(done.status == 204);
    CHECK(done.body.empty());
    CHECK(login(f.client, "dave", user_password).status == 401);
    CHECK(login(f.client, "dave", "dave-new-password").status == 200);
    CHECK(f.client.request("POST", "/api/auth/password", "{}").status == 401);
  }

  TEST_CASE("POST /api/auth/logout is 204 for any role and needs a token") {
    fixture f;
    REQUIRE(f.create("erin", "viewer").status == 201);
    auto const token = wsd::test::login(f.server.port(), "erin", user_password);
    auto const out = f.client.request("POST", "/api/auth/logout", {}, {bearer(token)});
    CHECK(out.status == 204);
    CHECK(f.client.request("POST", "/api/auth/logout").status == 401);
  }

  TEST_CASE("a new user's password follows the policy: min length, max length, not the name") {
    fixture f;
    auto create = [&](std::string_view name, std::string_view password) {
      return f.client.request(
          "POST", "/api/users",
          json({{"username", name}, {"password", password}, {"role", "viewer"}}),
          {bearer(f.admin)});
    };
    check_invalid(create("frank", "eleven-char"), "password");  // 11 < 12
    check_invalid(create("frank-the-long", "frank-the-long"), "password");
    check_invalid(create("frank", std::string(1025, 'x')), "password");
    CHECK(create("frank", "twelve-chars").status == 201);
    CHECK(create("grace", std::string(1024, 'x')).status == 201);
  }

  TEST_CASE("auth.min_password_length sets the policy's minimum") {
    std::string const long_admin_password = "a-twenty-char-passwd";
    wsd_server server{{.args = {"--set", "auth.min_password_length=20"},
                       .env = {{"WSD_ADMIN_PASSWORD", long_admin_password}}}};
    http_client client{server.port()};
    auto const admin = wsd::test::login(server.port(), "admin", long_admin_password);
    auto const short_one = client.request(
        "POST", "/api/users",
        json({{"username", "hank"}, {"password", "nineteen-characters"}, {"role", "viewer"}}),
        {bearer(admin)});
    check_invalid(short_one, "password");
  }

  TEST_CASE("a bootstrap password that breaks the policy stops the start with exit 2") {
    for (std::string const password : {"a", "", "admin", "eleven-char"}) {
      CAPTURE(password);
      auto const result = wsd::test::run_wsd(
          {"--host", "127.0.0.1", "--port", "0", "--db", "sqlite3://db=wsd.db"},
          {{"WSD_JWT_SECRET", wsd::test::test_jwt_secret}, {"WSD_ADMIN_PASSWORD", password}});
      INFO("stdout: " << result.out << "\nstderr: " << result.err);
      wsd::test::check_exit(result, 2);
      CHECK(result.err.find("WSD_ADMIN_PASSWORD") != std::string::npos);
      CHECK(result.out.find("listening") == std::string::npos);
    }
  }
}
