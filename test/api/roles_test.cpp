// The role matrix of SPEC.md ("Authenticated"): every authenticated endpoint
// called with no token, and as viewer, operator and admin, against the real
// wsd binary. Allowed calls answer the 2xx the SPEC names for them; refused
// ones must be 401 (no token) or 403 (role too low) and must leave the data
// as it was.
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using wsd::test::bearer;
using wsd::test::http_client;
using wsd::test::http_response;
using wsd::test::wsd_server;

enum class level : std::uint8_t { viewer, operator_, admin };

// What an endpoint acts on, so each call gets a target of its own.
enum class subject : std::uint8_t { none, new_workstation, workstation, new_user, user };

struct endpoint {
  std::string_view method;
  std::string_view path;  // "{}" is replaced by the id or username of the subject
  level needs;
  int allowed_status;  // what SPEC.md answers a caller with the role
  subject on = subject::none;
};

constexpr std::array endpoints{
    endpoint{"GET", "/api/auth/me", level::viewer, 200},
    endpoint{"GET", "/api/users", level::admin, 200},
    endpoint{"POST", "/api/users", level::admin, 201, subject::new_user},
    endpoint{"DELETE", "/api/users/{}", level::admin, 204, subject::user},
    endpoint{"GET", "/api/workstations", level::viewer, 200},
    endpoint{"POST", "/api/workstations", level::operator_, 201, subject::new_workstation},
    endpoint{"GET", "/api/workstations/{}", level::viewer, 200, subject::workstation},
    endpoint{"PATCH", "/api/workstations/{}", level::operator_, 200, subject::workstation},
    endpoint{"DELETE", "/api/workstations/{}", level::operator_, 204, subject::workstation},
    endpoint{"GET", "/api/performance/cache-stats", level::admin, 200},
    endpoint{"POST", "/api/performance/cache-clear", level::admin, 200},
    endpoint{"POST", "/api/performance/cache-invalidate?pattern=*", level::admin, 200},
    endpoint{"GET", "/api/performance/cache-keys?pattern=*&limit=10", level::admin, 200},
    endpoint{"GET", "/api/performance/metrics", level::admin, 200},
    endpoint{"POST", "/api/performance/circuit-breaker/reset", level::admin, 200},
    endpoint{"GET", "/metrics", level::admin, 200},
};

std::string_view name_of(level l) {
  switch (l) {
    case level::viewer:
      return "viewer";
    case level::operator_:
      return "operator";
    case level::admin:
      return "admin";
  }
  return "?";
}

void check_unauthorized(http_response const& response) {
  CHECK(response.status == 401);
  CHECK(response.header("WWW-Authenticate").starts_with("Bearer"));
  CHECK(response.header("Content-Type").starts_with("application/json"));
  CHECK(response.error_code() == "unauthorized");
}

void check_forbidden(http_response const& response) {
  CHECK(response.status == 403);
  CHECK(response.header("Content-Type").starts_with("application/json"));
  CHECK(response.error_code() == "forbidden");
}

// A server with one user of each role, and the admin's means to make the
// subjects each call acts on.
class fleet {
 public:
  fleet()
      : admin_token_{wsd::test::login(server_.port(), "admin", wsd::test::test_admin_password)} {
    tokens_[0] = make_user_and_login("viewer");
    tokens_[1] = make_user_and_login("operator");
    tokens_[2] = admin_token_;
  }

  std::string const& token(level l) const { return tokens_[static_cast<std::size_t>(l)]; }

  http_response as_admin(std::string_view method, std::string_view target,
                         std::string_view body = {}) {
    return client_.request(method, target, body, {bearer(admin_token_)});
  }

  // Creates what e acts on (as admin) and returns the target and body of the call.
  std::pair<std::string, std::string> prepare(endpoint const& e) {
    auto const n = std::to_string(++serial_);
    std::string path{e.path};
    std::string body;
    auto const replace = [&path](std::string const& with) {
      path.replace(path.find("{}"), 2, with);
    };
    switch (e.on) {
      case subject::none:
        break;
      case subject::new_workstation:
        body = workstation_body("ws-new-" + n);
        break;
      case subject::workstation:
        replace(std::to_string(make_workstation("ws-" + n)));
        break;
      case subject::new_user:
        body = user_body("user-new-" + n, "viewer");
        break;
      case subject::user:
        replace(make_user("user-" + n, "viewer"));
        break;
    }
    if (e.method == "PATCH") body = R"({"description":"patched"})";
    return {path, body};
  }

  // True if a refused call left things as prepare() made them: its subject
  // still there and unpatched, nothing created.
  bool unchanged(endpoint const& e, std::string const& target, std::string const& body) {
    switch (e.on) {
      case subject::none:
        return true;
      case subject::new_workstation:
        return !listed("/api/workstations?limit=1000", field_of(body, "name"));
      case subject::workstation: {
        auto const now = as_admin("GET", target);
        return now.status == 200 && now.body.find("patched") == std::string::npos;
      }
      case subject::new_user:
        return !listed("/api/users", field_of(body, "username"));
      case subject::user:
        return listed("/api/users", target.substr(target.rfind('/') + 1));
    }
    return false;
  }

  http_client& client() { return client_; }

 private:
  static std::string field_of(std::string const& body, std::string_view key) {
    return std::string{boost::json::parse(body).as_object().at(key).as_string()};
  }

  bool listed(std::string_view collection, std::string const& name) {
    return as_admin("GET", collection).body.find('"' + name + '"') != std::string::npos;
  }

  static std::string user_body(std::string const& name, std::string_view role) {
    return boost::json::serialize(
        boost::json::object{{"username", name}, {"password", "long-enough-pw"}, {"role", role}});
  }

  static std::string workstation_body(std::string const& name) {
    return boost::json::serialize(
        boost::json::object{{"name", name}, {"host", "10.0.0.1"}, {"port", 5985}});
  }

  std::string make_user(std::string const& name, std::string_view role) {
    auto const made = as_admin("POST", "/api/users", user_body(name, role));
    INFO("creating user " << name << ": " << made.status << " " << made.body);
    REQUIRE(made.status == 201);
    return name;
  }

  std::string make_user_and_login(std::string_view role) {
    auto const name = make_user(std::string{role} + "-user", role);
    return wsd::test::login(server_.port(), name, "long-enough-pw");
  }

  std::int64_t make_workstation(std::string const& name) {
    auto const made = as_admin("POST", "/api/workstations", workstation_body(name));
    INFO("creating workstation " << name << ": " << made.status << " " << made.body);
    REQUIRE(made.status == 201);
    return made.json().as_object().at("id").to_number<std::int64_t>();
  }

  wsd_server server_;
  std::string admin_token_;
  http_client client_{server_.port()};
  std::array<std::string, 3> tokens_;
  int serial_ = 0;
};

}  // namespace

TEST_SUITE("role matrix") {
  TEST_CASE("without a token every authenticated endpoint is 401 with WWW-Authenticate: Bearer") {
    fleet f;
    for (auto const& e : endpoints) {
      auto const [target, body] = f.prepare(e);
      auto const response = f.client().request(e.method, target, body);
      INFO(e.method << " " << target << " -> " << response.status << " " << response.body);
      check_unauthorized(response);
      CHECK(f.unchanged(e, target, body));
    }
  }

  TEST_CASE("each role reaches exactly the endpoints its level allows") {
    fleet f;
    for (auto const who : {level::viewer, level::operator_, level::admin}) {
      for (auto const& e : endpoints) {
        auto const [target, body] = f.prepare(e);
        auto const response = f.client().request(e.method, target, body, {bearer(f.token(who))});
        bool const allowed = who >= e.needs;
        INFO(name_of(who) << " " << e.method << " " << target << " (needs " << name_of(e.needs)
                          << ") -> " << response.status << " " << response.body);
        if (allowed) {
          CHECK(response.status == e.allowed_status);
        } else {
          check_forbidden(response);
          CHECK(f.unchanged(e, target, body));
        }
      }
    }
  }

  TEST_CASE("GET /api/auth/me answers each role with its own name and role") {
    fleet f;
    for (auto const who : {level::viewer, level::operator_, level::admin}) {
      CAPTURE(name_of(who));
      auto const response = f.client().request("GET", "/api/auth/me", {}, {bearer(f.token(who))});
      REQUIRE(response.status == 200);
      auto const expected_name =
          who == level::admin ? std::string{"admin"} : std::string{name_of(who)} + "-user";
      CHECK(response.json() == boost::json::value(boost::json::object{{"username", expected_name},
                                                                      {"role", name_of(who)}}));
    }
  }

  TEST_CASE("with metrics.public GET /metrics needs no token, the JSON metrics still do") {
    wsd_server server{{.args = {"--set", "metrics.public=true"}}};
    http_client client{server.port()};
    auto const prometheus = client.request("GET", "/metrics");
    INFO("GET /metrics -> " << prometheus.status << " " << prometheus.body);
    CHECK(prometheus.status == 200);
    check_unauthorized(client.request("GET", "/api/performance/metrics"));
  }
}
