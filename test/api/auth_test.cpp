// Authentication over HTTP against the real wsd binary (SPEC.md "Public",
// "Authenticated", "Admin bootstrap", "JWT secret" and the auth issue):
// login in JSON and form encoding, every kind of bad token, token expiry,
// user management, the admin bootstrap, weak secrets and the login lockout.
#include "support/await.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using wsd::test::bearer;
using wsd::test::header_list;
using wsd::test::http_client;
using wsd::test::http_response;
using wsd::test::test_admin_password;
using wsd::test::test_jwt_secret;
using wsd::test::wsd_server;

constexpr std::string_view form_type = "application/x-www-form-urlencoded";
constexpr std::string_view user_password = "long-enough-pw";

std::string base64url(std::string_view bytes) {
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (unsigned char const c : bytes) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += alphabet[(bits >> count) & 0x3f];
    }
  }
  if (count > 0) out += alphabet[(bits << (6 - count)) & 0x3f];
  return out;
}

std::string unbase64url(std::string_view text) {
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char const c : text) {
    unsigned value = 0;
    if (c >= 'A' && c <= 'Z')
      value = static_cast<unsigned>(c - 'A');
    else if (c >= 'a' && c <= 'z')
      value = static_cast<unsigned>(c - 'a' + 26);
    else if (c >= '0' && c <= '9')
      value = static_cast<unsigned>(c - '0' + 52);
    else if (c == '-')
      value = 62;
    else if (c == '_')
      value = 63;
    else
      throw std::invalid_argument("not base64url: " + std::string{text});
    bits = (bits << 6) | value;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

// The three dot-separated parts of a token.
std::array<std::string, 3> parts_of(std::string_view token) {
  auto const first = token.find('.');
  auto const second = token.find('.', first + 1);
  REQUIRE(second != std::string_view::npos);
  return {std::string{token.substr(0, first)},
          std::string{token.substr(first + 1, second - first - 1)},
          std::string{token.substr(second + 1)}};
}

std::string join(std::string_view header, std::string_view payload, std::string_view signature) {
  return std::string{header} + "." + std::string{payload} + "." + std::string{signature};
}

std::string encode_json(boost::json::object const& object) {
  return base64url(boost::json::serialize(object));
}

boost::json::object payload_of(std::string_view token) {
  return boost::json::parse(unbase64url(parts_of(token)[1])).as_object();
}

// A token signed with HMAC over md, as a client that knows the secret would
// make it: lets the test tell "wrong algorithm" or "expired" apart from "bad
// signature".
std::string signed_token(boost::json::object const& header, boost::json::object const& payload,
                         EVP_MD const* md = EVP_sha256(),
                         std::string_view secret = test_jwt_secret) {
  auto const input = encode_json(header) + "." + encode_json(payload);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned size = 0;
  HMAC(md, secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<unsigned char const*>(input.data()), input.size(), mac.data(), &size);
  return input + "." + base64url({reinterpret_cast<char const*>(mac.data()), size});
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool has_error_message(http_response const& response) {
  boost::system::error_code ec;
  auto const json = boost::json::parse(response.body, ec);
  auto const* error = !ec && json.is_object() ? json.as_object().if_contains("error") : nullptr;
  auto const* message =
      error != nullptr && error->is_object() ? error->as_object().if_contains("message") : nullptr;
  return message != nullptr && message->is_string() && !message->as_string().empty();
}

// The SPEC's error shape: {"error":{"code","message",...}} as JSON.
void check_error(http_response const& response, int status, std::string_view code) {
  INFO("response: " << response.status << " " << response.body);
  CHECK(response.status == status);
  CHECK(response.header("Content-Type").starts_with("application/json"));
  CHECK(response.error_code() == code);
  CHECK(has_error_message(response));
}

void check_unauthorized(http_response const& response) {
  check_error(response, 401, "unauthorized");
  CHECK(response.header("WWW-Authenticate").starts_with("Bearer"));
}

// The field names listed in an error's details; none if the body has no
// error object.
std::vector<std::string> detail_fields(http_response const& response) {
  std::vector<std::string> fields;
  boost::system::error_code ec;
  auto const json = boost::json::parse(response.body, ec);
  auto const* error = !ec && json.is_object() ? json.as_object().if_contains("error") : nullptr;
  auto const* details =
      error != nullptr && error->is_object() ? error->as_object().if_contains("details") : nullptr;
  if (details == nullptr || !details->is_array()) return fields;
  for (auto const& d : details->as_array()) {
    auto const* field = d.is_object() ? d.as_object().if_contains("field") : nullptr;
    if (field != nullptr && field->is_string()) fields.emplace_back(field->as_string());
  }
  return fields;
}

// "a, b, c": the items sorted, as a failed CHECK can print them.
std::string sorted_list(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string out;
  for (auto const& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

bool contains(std::vector<std::string> const& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Neither a password nor anything that looks like its hash.
void check_no_secrets(http_response const& response) {
  INFO("body: " << response.body);
  auto const body = lowercase(response.body);
  CHECK(body.find("password") == std::string::npos);
  CHECK(body.find("hash") == std::string::npos);
  CHECK(body.find("argon2") == std::string::npos);
}

std::string credentials(std::string_view user, std::string_view password) {
  return boost::json::serialize(boost::json::object{{"username", user}, {"password", password}});
}

http_response login_json(http_client& client, std::string_view user, std::string_view password) {
  return client.request("POST", "/api/auth/login", credentials(user, password));
}

std::string user_body(std::string_view name, std::string_view password, std::string_view role) {
  return boost::json::serialize(
      boost::json::object{{"username", name}, {"password", password}, {"role", role}});
}

std::string admin_token(wsd_server const& server) {
  return wsd::test::login(server.port(), "admin", test_admin_password);
}

http_response create_user(http_client& client, std::string const& token, std::string_view name,
                          std::string_view role, std::string_view password = user_password) {
  return client.request("POST", "/api/users", user_body(name, password, role), {bearer(token)});
}

// A successful login answer: 200 {"access_token","token_type":"bearer","expires_in","role"}.
void check_login_answer(http_response const& response, std::string_view role,
                        std::int64_t expires_in = 3600) {
  INFO("login: " << response.status << " " << response.body);
  REQUIRE(response.status == 200);
  auto const json = response.json().as_object();
  CHECK(json.at("access_token").is_string());
  CHECK(!json.at("access_token").as_string().empty());
  CHECK(json.at("token_type") == "bearer");
  CHECK(json.at("expires_in") == expires_in);
  CHECK(json.at("role") == boost::json::value(role));
}

http_response me(http_client& client, std::string_view token) {
  return client.request("GET", "/api/auth/me", {}, {bearer(token)});
}

boost::json::value who(std::string_view username, std::string_view role) {
  return boost::json::object{{"username", username}, {"role", role}};
}

// The generated admin password from the bootstrap's stdout: the last word of
// the line that mentions the password; "" if there is none.
std::string generated_password(std::string const& out) {
  auto const at = out.find("password");
  if (at == std::string::npos) return {};
  auto const end = out.find('\n', at);
  auto line = out.substr(at, end == std::string::npos ? std::string::npos : end - at);
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line.substr(line.find_last_of(" \t") + 1);
}

std::size_t occurrences(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

}  // namespace

TEST_SUITE("auth api") {
  TEST_CASE("login accepts JSON and form-encoded credentials and the token identifies the user") {
    wsd_server server;
    http_client client{server.port()};

    SUBCASE("JSON") {
      auto const response = login_json(client, "admin", test_admin_password);
      check_login_answer(response, "admin");
      auto const token = std::string{response.json().at("access_token").as_string()};
      auto const mine = me(client, token);
      CHECK(mine.status == 200);
      CHECK(mine.json() == who("admin", "admin"));
    }
    SUBCASE("form encoding, as OAuth2 password clients send it") {
      auto const response = client.request(
          "POST", "/api/auth/login",
          "grant_type=password&username=admin&password=" + std::string{test_admin_password},
          {{"Content-Type", std::string{form_type}}});
      check_login_answer(response, "admin");
      auto const token = std::string{response.json().at("access_token").as_string()};
      CHECK(me(client, token).json() == who("admin", "admin"));
    }
    SUBCASE("form encoding decodes percent-escapes and '+' in the password") {
      auto const made =
          create_user(client, admin_token(server), "form.user@example", "viewer", "p@ss w+rd&=%");
      REQUIRE(made.status == 201);
      auto const response = client.request(
          "POST", "/api/auth/login", "username=form.user%40example&password=p%40ss+w%2Brd%26%3D%25",
          {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}});
      check_login_answer(response, "viewer");
    }
  }

  TEST_CASE("a wrong password and an unknown user get the same 401") {
    wsd_server server;
    http_client client{server.port()};
    auto const wrong_password = login_json(client, "admin", "not-the-password");
    auto const unknown_user = login_json(client, "nobody", test_admin_password);
    auto const wrong_in_form =
        client.request("POST", "/api/auth/login", "username=admin&password=nope",
                       {{"Content-Type", std::string{form_type}}});
    for (auto const* response : {&wrong_password, &unknown_user, &wrong_in_form}) {
      check_unauthorized(*response);
      CHECK(response->body.find("access_token") == std::string::npos);
    }
    CHECK(wrong_password.body == unknown_user.body);
    CHECK(wrong_password.body == wrong_in_form.body);
  }

  TEST_CASE("a login missing or mistyping a field is 422 naming it, an empty password 401") {
    wsd_server server;
    http_client client{server.port()};
    struct attempt {
      std::string body;
      std::string type;
      std::vector<std::string> invalid;  // the fields a 422 names; none: bad credentials, 401
    };
    std::string const json_type = "application/json";
    std::string const form{form_type};
    // SPEC.md: 422 = the body parses but a field is invalid (a missing one
    // included, in either encoding); a well-formed but wrong or empty
    // password is just bad credentials.
    std::vector<attempt> const attempts{
        {"{}", json_type, {"username", "password"}},
        {R"({"username":"admin"})", json_type, {"password"}},
        {R"({"password":"admin-pass-123"})", json_type, {"username"}},
        {R"({"username":"admin","password":""})", json_type, {}},
        {R"({"username":1,"password":2})", json_type, {"username", "password"}},
        {"username=admin", form, {"password"}},
        {"password=admin-pass-123", form, {"username"}},
        {"x", form, {"username", "password"}},
        {"username=admin&password=", form, {}},
    };
    for (auto const& [body, type, invalid] : attempts) {
      auto const response =
          client.request("POST", "/api/auth/login", body, {{"Content-Type", type}});
      INFO(type << " " << body << " -> " << response.status << " " << response.body);
      if (invalid.empty()) {
        check_unauthorized(response);
      } else {
        check_error(response, 422, "validation_failed");
        CHECK(sorted_list(detail_fields(response)) == sorted_list(invalid));
      }
      CHECK(response.body.find("access_token") == std::string::npos);
    }
  }

  TEST_CASE("every kind of bad token is 401 with WWW-Authenticate: Bearer") {
    wsd_server server;
    http_client client{server.port()};
    auto const admin = admin_token(server);
    REQUIRE(create_user(client, admin, "viewer-user", "viewer").status == 201);
    auto const viewer = wsd::test::login(server.port(), "viewer-user", user_password);
    auto const foreign = [] {
      wsd_server other{{.env = {{"WSD_JWT_SECRET", "another-secret-9876543210-zyxwvutsrqponmlk"}}}};
      return admin_token(other);
    }();

    boost::json::object const hs256{{"alg", "HS256"}, {"typ", "JWT"}};
    auto const valid_claims = [](std::string_view role) {
      return boost::json::object{
          {"sub", "admin"}, {"role", role}, {"iat", now_seconds()}, {"exp", now_seconds() + 600}};
    };
    auto const [header, payload, signature] = parts_of(viewer);

    SUBCASE("the controls are accepted") {
      // The issued token (cached from here on), a token this test signs with
      // the server's secret (so the refusals below are not about a wrong
      // signature), and the scheme in lower case.
      CHECK(me(client, viewer).json() == who("viewer-user", "viewer"));
      CHECK(me(client, signed_token(hs256, valid_claims("admin"))).json() == who("admin", "admin"));
      CHECK(client.request("GET", "/api/auth/me", {}, {{"Authorization", "bearer " + admin}})
                .status == 200);
    }
    SUBCASE("each bad kind is refused on /me and on an admin endpoint") {
      // The viewer's genuine token is verified (and cached) first, so a
      // tampered copy cannot ride on a cached verdict.
      REQUIRE(me(client, viewer).status == 200);

      auto as_admin = payload_of(viewer);
      as_admin["role"] = "admin";
      auto tampered_signature = signature;
      tampered_signature[0] = tampered_signature[0] == 'A' ? 'B' : 'A';
      auto no_exp = valid_claims("admin");
      no_exp.erase("exp");
      auto expired = valid_claims("admin");
      expired["iat"] = now_seconds() - 7200;
      expired["exp"] = now_seconds() - 3600;
      auto const none_header = encode_json({{"alg", "none"}, {"typ", "JWT"}});
      auto const hs512_header = encode_json({{"alg", "HS512"}, {"typ", "JWT"}});

      std::vector<std::pair<std::string, std::optional<std::string>>> const kinds{
          {"no Authorization header", std::nullopt},
          {"Bearer without a token", "Bearer"},
          {"Bearer and spaces", "Bearer    "},
          {"the token without a scheme", viewer},
          {"Basic with the admin's credentials",
           "Basic " + std::string{"YWRtaW46YWRtaW4tcGFzcy0xMjM="}},
          {"Basic with the token", "Basic " + viewer},
          {"garbage", "Bearer garbage"},
          {"three garbage parts", "Bearer aaaa.bbbb.cccc"},
          {"alg none, no signature", "Bearer " + join(none_header, encode_json(as_admin), "")},
          {"alg none, the original signature",
           "Bearer " + join(none_header, encode_json(as_admin), signature)},
          {"HS512 header on the original token",
           "Bearer " + join(hs512_header, payload, signature)},
          {"HS512 signed with the server's secret",
           "Bearer " + signed_token({{"alg", "HS512"}, {"typ", "JWT"}}, valid_claims("admin"),
                                    EVP_sha512())},
          {"payload changed to role admin, original signature",
           "Bearer " + join(header, encode_json(as_admin), signature)},
          {"tampered signature", "Bearer " + join(header, payload, tampered_signature)},
          {"signature removed", "Bearer " + join(header, payload, "")},
          {"signed by another server's secret", "Bearer " + foreign},
          {"expired, signed with the server's secret", "Bearer " + signed_token(hs256, expired)},
          {"no exp, signed with the server's secret", "Bearer " + signed_token(hs256, no_exp)},
          {"unknown role, signed with the server's secret",
           "Bearer " + signed_token(hs256, valid_claims("superuser"))},
      };
      for (auto const& [kind, authorization] : kinds) {
        for (auto const* target : {"/api/auth/me", "/api/users"}) {
          header_list headers;
          if (authorization) headers.emplace_back("Authorization", *authorization);
          auto const response = client.request("GET", target, {}, headers);
          INFO(kind << ", GET " << target);
          check_unauthorized(response);
        }
      }
    }
  }

  TEST_CASE("a token stops working once it expires") {
    // exp is whole seconds, so a token lives at least ttl - 1 s: 4 s for the
    // "still valid" check to run in, however loaded the machine.
    constexpr int ttl = 5;
    wsd_server server{{.args = {"--set", "auth.token_ttl_seconds=" + std::to_string(ttl)}}};
    http_client client{server.port()};
    auto const response = login_json(client, "admin", test_admin_password);
    check_login_answer(response, "admin", ttl);
    auto const token = std::string{response.json().at("access_token").as_string()};
    CHECK(me(client, token).status == 200);

    auto const payload = payload_of(token);
    CHECK(payload.at("exp").to_number<std::int64_t>() -
              payload.at("iat").to_number<std::int64_t>() ==
          ttl);
    http_response last;
    CHECK(wsd::test::eventually(
        [&] {
          last = me(client, token);
          return last.status != 200;
        },
        60s, 100ms));
    check_unauthorized(last);
    CHECK(now_seconds() >= payload.at("exp").to_number<std::int64_t>());
  }

  TEST_CASE("admins create, list and delete users, and never see a password hash") {
    wsd_server server;
    http_client client{server.port()};
    auto const admin = admin_token(server);

    SUBCASE("POST /api/users is 201 without secrets, and the new user can log in") {
      auto const made = create_user(client, admin, "new-viewer", "viewer");
      CHECK(made.status == 201);
      check_no_secrets(made);
      auto const json = made.json().as_object();
      CHECK(json.at("username") == "new-viewer");
      CHECK(json.at("role") == "viewer");

      auto const login = login_json(client, "new-viewer", user_password);
      check_login_answer(login, "viewer");
      auto const token = std::string{login.json().at("access_token").as_string()};
      CHECK(me(client, token).json() == who("new-viewer", "viewer"));
    }
    SUBCASE("a taken username is 409") {
      REQUIRE(create_user(client, admin, "twice", "viewer").status == 201);
      check_error(create_user(client, admin, "twice", "operator"), 409, "conflict");
      check_error(create_user(client, admin, "admin", "admin"), 409, "conflict");
      // The first one keeps its password and role.
      check_login_answer(login_json(client, "twice", user_password), "viewer");
    }
    SUBCASE("an unknown role or a short password is 422 naming the field") {
      auto const bad_role = create_user(client, admin, "bad-role", "superuser");
      check_error(bad_role, 422, "validation_failed");
      CHECK(contains(detail_fields(bad_role), "role"));
      auto const short_password = create_user(client, admin, "short-pw", "viewer", "1234567");
      check_error(short_password, 422, "validation_failed");
      CHECK(contains(detail_fields(short_password), "password"));
      auto const list = client.request("GET", "/api/users", {}, {bearer(admin)});
      CHECK(list.body.find("bad-role") == std::string::npos);
      CHECK(list.body.find("short-pw") == std::string::npos);
    }
    SUBCASE("GET /api/users lists every user with its role and no hash") {
      REQUIRE(create_user(client, admin, "listed-operator", "operator").status == 201);
      auto const list = client.request("GET", "/api/users", {}, {bearer(admin)});
      CHECK(list.status == 200);
      check_no_secrets(list);
      auto const json = list.json();
      auto const& items = json.as_object().at("items").as_array();
      std::vector<std::pair<std::string, std::string>> seen;
      for (auto const& item : items)
        seen.emplace_back(item.as_object().at("username").as_string(),
                          item.as_object().at("role").as_string());
      CHECK(seen.size() == 2);
      CHECK(std::find(seen.begin(), seen.end(),
                      std::pair<std::string, std::string>{"admin", "admin"}) != seen.end());
      CHECK(std::find(seen.begin(), seen.end(),
                      std::pair<std::string, std::string>{"listed-operator", "operator"}) !=
            seen.end());
    }
    SUBCASE("DELETE /api/users/{username} is 204 and the user is gone") {
      REQUIRE(create_user(client, admin, "leaving", "viewer").status == 201);
      auto const removed = client.request("DELETE", "/api/users/leaving", {}, {bearer(admin)});
      CHECK(removed.status == 204);
      CHECK(removed.body.empty());
      check_unauthorized(login_json(client, "leaving", user_password));
      auto const list = client.request("GET", "/api/users", {}, {bearer(admin)});
      CHECK(list.body.find("leaving") == std::string::npos);
    }
    SUBCASE("the last admin cannot be deleted") {
      check_error(client.request("DELETE", "/api/users/admin", {}, {bearer(admin)}), 409,
                  "conflict");
      check_login_answer(login_json(client, "admin", test_admin_password), "admin");

      REQUIRE(create_user(client, admin, "second-admin", "admin").status == 201);
      auto const second = wsd::test::login(server.port(), "second-admin", user_password);
      CHECK(client.request("DELETE", "/api/users/admin", {}, {bearer(second)}).status == 204);
      check_error(client.request("DELETE", "/api/users/second-admin", {}, {bearer(second)}), 409,
                  "conflict");
      check_login_answer(login_json(client, "second-admin", user_password), "admin");
    }
  }

  TEST_CASE("bootstrap with WSD_ADMIN_PASSWORD: admin logs in with it and nothing is printed") {
    wsd_server server;
    http_client client{server.port()};
    check_login_answer(login_json(client, "admin", test_admin_password), "admin");
    CHECK(lowercase(server.out()).find("password") == std::string::npos);
  }

  TEST_CASE("bootstrap without WSD_ADMIN_PASSWORD: a generated password, printed once") {
    wsd::test::temp_directory const dir;
    auto const options = [&dir](wsd::test::env_list env) {
      env.emplace_back("WSD_JWT_SECRET", test_jwt_secret);
      return wsd_server::options{.args = {"--db", "sqlite3://db=" + dir.path() + "/wsd.db"},
                                 .env = std::move(env),
                                 .test_secrets = false};
    };

    std::string password;
    {
      wsd_server first{options({})};
      password = generated_password(first.out());
      INFO("stdout: " << first.out());
      REQUIRE(password.size() >= 12);
      http_client client{first.port()};
      check_login_answer(login_json(client, "admin", password), "admin");
      check_unauthorized(login_json(client, "admin", test_admin_password));
      first.stop_expecting(0);
      CHECK(occurrences(first.out(), password) == 1);
      CHECK(first.err().find(password) == std::string::npos);
    }
    {
      wsd_server second{options({})};
      http_client client{second.port()};
      check_login_answer(login_json(client, "admin", password), "admin");
      second.stop_expecting(0);
      INFO("stdout: " << second.out());
      CHECK(lowercase(second.out()).find("password") == std::string::npos);
      CHECK(second.out().find(password) == std::string::npos);
    }
    {
      // WSD_ADMIN_PASSWORD only seeds an empty users table.
      wsd_server third{options({{"WSD_ADMIN_PASSWORD", test_admin_password}})};
      http_client client{third.port()};
      check_unauthorized(login_json(client, "admin", test_admin_password));
      check_login_answer(login_json(client, "admin", password), "admin");
    }
  }

  TEST_CASE("a weak WSD_JWT_SECRET is refused at start with exit code 2") {
    std::vector<std::string> const weak{"secret", "changeme", "abcdefghijklmnopqrstuvwxyz01234"};
    for (auto const& secret : weak) {
      CAPTURE(secret);
      auto const result = wsd::test::run_wsd(
          {"--host", "127.0.0.1", "--port", "0", "--db", "sqlite3://db=wsd.db"},
          {{"WSD_JWT_SECRET", secret}, {"WSD_ADMIN_PASSWORD", test_admin_password}});
      INFO("stdout: " << result.out << "\nstderr: " << result.err);
      wsd::test::check_exit(result, 2);
      CHECK(result.err.find("WSD_JWT_SECRET") != std::string::npos);
      CHECK(result.out.find("listening") == std::string::npos);
      if (secret.size() > 10) {
        CHECK(result.err.find(secret) == std::string::npos);
      }
    }
  }

  TEST_CASE("a 32-byte WSD_JWT_SECRET is accepted") {
    wsd_server server{{.env = {{"WSD_JWT_SECRET", "k3Jq9vT2xLm8Pw4Rz7Nc1Hd6Gb5Yf0Ae"}}}};
    http_client client{server.port()};
    auto const token = admin_token(server);
    CHECK(me(client, token).status == 200);
  }

  TEST_CASE("without WSD_JWT_SECRET the server starts, warns on stderr and issues usable tokens") {
    wsd_server server{
        {.env = {{"WSD_ADMIN_PASSWORD", test_admin_password}}, .test_secrets = false}};
    CHECK(server.wait_for_output("WSD_JWT_SECRET", 30s));
    CHECK(server.err().find("WSD_JWT_SECRET") != std::string::npos);
    http_client client{server.port()};
    INFO("running: " << server.running() << "\nstdout: " << server.out()
                     << "\nstderr: " << server.err());
    CHECK(me(client, admin_token(server)).json() == who("admin", "admin"));
  }

  TEST_CASE("repeated login failures lock the username out until the window passes") {
    // The three failures and the blocked attempt must fall within one window:
    // 10 s, as long as one request may take before the test client gives up.
    constexpr int window = 10;
    wsd_server server{{.args = {"--set", "auth.login_max_failures=3", "--set",
                                "auth.login_window_seconds=" + std::to_string(window)}}};
    http_client client{server.port()};
    auto const admin = admin_token(server);
    REQUIRE(create_user(client, admin, "bystander", "viewer").status == 201);

    for (int attempt = 1; attempt <= 3; ++attempt) {
      CAPTURE(attempt);
      check_unauthorized(login_json(client, "admin", "wrong-password"));
    }
    // The lead's semantics: after login_max_failures failures within the
    // window, the next attempt is refused, even with the right password.
    auto const blocked = login_json(client, "admin", test_admin_password);
    check_error(blocked, 429, "too_many_requests");
    auto const retry_after = std::atoi(blocked.header("Retry-After").c_str());
    CAPTURE(blocked.header("Retry-After"));
    CHECK(retry_after >= 1);
    CHECK(retry_after <= window);
    CHECK(blocked.body.find("access_token") == std::string::npos);

    // Another username is not affected.
    check_login_answer(login_json(client, "bystander", user_password), "viewer");

    http_response last;
    CHECK(wsd::test::eventually(
        [&] {
          last = login_json(client, "admin", test_admin_password);
          return last.status != 429;
        },
        std::chrono::seconds{window} + 60s, 250ms));
    check_login_answer(last, "admin");
  }
}
