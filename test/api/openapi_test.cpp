#include "wsd/api/openapi.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "wsd/api/routes.hpp"

namespace json = boost::json;
namespace openapi = wsd::api::openapi;
// Not `access`: unistd.h declares a function of that name.
using access_level = wsd::api::access;
using wsd::http::method;

namespace {

json::value const& parsed() {
  static json::value const doc = json::parse(openapi::document_text());
  return doc;
}

json::object const& paths() {
  return parsed().at("paths").as_object();
}

// Follows a local "$ref" ("#/components/..."), or returns the value itself.
json::value const* resolve(json::value const& v) {
  auto const* obj = v.if_object();
  if (!obj || !obj->contains("$ref")) return &v;
  std::string_view const target = obj->at("$ref").as_string();
  if (!target.starts_with("#/")) return nullptr;
  boost::system::error_code ec;
  auto const* found = parsed().find_pointer(target.substr(1), ec);
  return ec ? nullptr : found;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

json::object const* operation(std::string_view verb, std::string_view path) {
  auto const* item = paths().if_contains(path);
  if (!item) return nullptr;
  auto const* op = item->as_object().if_contains(verb);
  return op ? &op->as_object() : nullptr;
}

json::object const* operation(wsd::api::route const& r) {
  return operation(lower(wsd::http::to_string(r.verb)), r.pattern);
}

// The parameters of an operation and of its path item, with $refs followed.
std::vector<json::object const*> parameters_of(std::string_view path, json::object const& op) {
  std::vector<json::object const*> out;
  for (auto const* owner : {&paths().at(path).as_object(), &op})
    if (auto const* list = owner->if_contains("parameters"))
      for (auto const& p : list->as_array())
        if (auto const* r = resolve(p)) out.push_back(&r->as_object());
  return out;
}

json::object const* parameter(std::string_view path, json::object const& op, std::string_view name,
                              std::string_view in) {
  for (auto const* p : parameters_of(path, op))
    if (p->at("name").as_string() == name && p->at("in").as_string() == in) return p;
  return nullptr;
}

std::vector<std::string> path_variables(std::string_view path) {
  std::vector<std::string> out;
  for (auto open = path.find('{'); open != std::string_view::npos; open = path.find('{', open)) {
    auto const close = path.find('}', open);
    out.emplace_back(path.substr(open + 1, close - open - 1));
    open = close;
  }
  return out;
}

json::object const* response_of(json::object const& op, std::string_view status) {
  auto const* r = op.at("responses").as_object().if_contains(status);
  if (!r) return nullptr;
  auto const* resolved = resolve(*r);
  return resolved ? &resolved->as_object() : nullptr;
}

bool has_header(json::object const& response, std::string_view name) {
  auto const* headers = response.if_contains("headers");
  return headers && headers->as_object().contains(name);
}

void collect_refs(json::value const& v, std::set<std::string>& out) {
  if (auto const* obj = v.if_object()) {
    for (auto const& [key, value] : *obj) {
      if (key == "$ref") out.emplace(value.as_string());
      collect_refs(value, out);
    }
  } else if (auto const* arr = v.if_array()) {
    for (auto const& value : *arr) collect_refs(value, out);
  }
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

struct documented {
  std::string_view path;
  std::string_view verb;
  json::object const& op;
};

// Every operation of the document; a path item's "parameters" is none.
std::vector<documented> operations() {
  std::vector<documented> out;
  for (auto const& [path, item] : paths())
    for (auto const& [verb, op] : item.as_object())
      if (verb != "parameters") out.push_back({path, verb, op.as_object()});
  return out;
}

std::string_view role_word(access_level level) {
  switch (level) {
    case access_level::anyone:
      return "Public";
    case access_level::viewer:
      return "Role: viewer";
    case access_level::operator_:
      return "Role: operator";
    case access_level::admin:
    case access_level::metrics:
      return "Role: admin";
  }
  return "?";
}

// The SPEC's endpoints that answer from the database, so may answer 503 and 504.
constexpr std::pair<std::string_view, std::string_view> database_endpoints[] = {
    {"post", "/api/auth/login"},
    {"get", "/api/users"},
    {"post", "/api/users"},
    {"patch", "/api/users/{username}"},
    {"delete", "/api/users/{username}"},
    {"post", "/api/auth/password"},
    {"get", "/api/workstations"},
    {"post", "/api/workstations"},
    {"get", "/api/workstations/{id}"},
    {"patch", "/api/workstations/{id}"},
    {"delete", "/api/workstations/{id}"},
};

}  // namespace

TEST_SUITE("openapi") {
  TEST_CASE("the document is OpenAPI 3.0.3 JSON with servers, contact and license") {
    auto const& doc = parsed();
    CHECK(doc.at("openapi") == "3.0.3");
    CHECK(doc.at("info").at("title") == "wsd");
    CHECK(doc.at("info").at("version") == WSD_VERSION);
    CHECK(doc.at("info").at("license").at("name") == "MIT");
    CHECK(doc.at("info").at("contact").as_object().contains("name"));
    CHECK(doc.at("servers") == json::parse(R"([{"url":"/","description":"This server."}])"));
    auto const& scheme = doc.at("components").at("securitySchemes").at("bearerAuth");
    CHECK(scheme.at("type") == "http");
    CHECK(scheme.at("scheme") == "bearer");
    CHECK(scheme.at("bearerFormat") == "JWT");
    for (auto const name :
         {"Workstation", "WorkstationCreate", "WorkstationPatch", "WorkstationList", "Error",
          "LoginRequest", "LoginResponse", "User", "CacheStats", "Metrics"}) {
      CAPTURE(name);
      CHECK(doc.at("components").at("schemas").as_object().contains(name));
    }
  }

  TEST_CASE("every route is documented with its method, and nothing else is") {
    auto const table = wsd::api::routes();
    REQUIRE(table.size() >= 21);  // the SPEC's tables, at least
    for (auto const& r : table) {
      CAPTURE(r.pattern);
      CAPTURE(wsd::http::to_string(r.verb));
      CHECK(operation(r) != nullptr);
    }
    auto const described = operations();
    for (auto const& [path, verb, op] : described) {
      CAPTURE(path);
      CAPTURE(verb);
      CHECK(std::any_of(table.begin(), table.end(), [&](auto const& r) {
        return r.pattern == path && lower(wsd::http::to_string(r.verb)) == verb;
      }));
    }
    CHECK(described.size() == table.size());
  }

  TEST_CASE("the route table and the descriptions must agree") {
    auto const all = wsd::api::routes();
    std::vector<wsd::api::route> table(all.begin(), all.end());
    REQUIRE(openapi::build_document(table));

    SUBCASE("an empty table is refused") {
      auto const doc = openapi::build_document({});
      REQUIRE_FALSE(doc);
      CHECK(contains(doc.error(), "no route for the description of GET /health"));
      CHECK(contains(doc.error(), "no route for the description of GET /metrics"));
    }
    SUBCASE("a route taken away leaves its description without a route") {
      auto const gone = std::find_if(table.begin(), table.end(), [](auto const& r) {
        return r.verb == method::patch && r.pattern == "/api/workstations/{id}";
      });
      REQUIRE(gone != table.end());
      table.erase(gone);
      auto const doc = openapi::build_document(table);
      REQUIRE_FALSE(doc);
      CHECK(doc.error() == "no route for the description of PATCH /api/workstations/{id}");
    }
    SUBCASE("a route without a description is refused") {
      table.push_back({method::put, "/api/workstations/{id}", access_level::operator_, nullptr});
      auto const doc = openapi::build_document(table);
      REQUIRE_FALSE(doc);
      CHECK(doc.error() == "no description for the route PUT /api/workstations/{id}");
    }
    SUBCASE("a route listed twice is refused") {
      table.push_back(table.front());
      auto const doc = openapi::build_document(table);
      REQUIRE_FALSE(doc);
      CHECK(doc.error() == "the route GET /health is listed twice");
    }
  }

  TEST_CASE("security and roles follow each route's access") {
    for (auto const& r : wsd::api::routes()) {
      CAPTURE(r.pattern);
      CAPTURE(wsd::http::to_string(r.verb));
      auto const* op = operation(r);
      REQUIRE(op != nullptr);
      auto const& security = op->at("security").as_array();
      std::string_view const description = op->at("description").as_string();
      CHECK(description.starts_with(role_word(r.needs)));
      if (r.needs == access_level::anyone) {
        CHECK(security.empty());
        // A login may answer 401 for bad credentials, but not for a missing token.
        CHECK((response_of(*op, "401") != nullptr) == (r.pattern == "/api/auth/login"));
        CHECK(response_of(*op, "403") == nullptr);
        continue;
      }
      REQUIRE(security.size() == 1);
      CHECK(security[0] == json::object{{"bearerAuth", json::array()}});
      auto const* unauthorized = response_of(*op, "401");
      REQUIRE(unauthorized != nullptr);
      CHECK(has_header(*unauthorized, "WWW-Authenticate"));
      // Every valid token is at least a viewer's: only higher roles can be refused.
      CHECK((response_of(*op, "403") != nullptr) == (r.needs != access_level::viewer));
    }
  }

  TEST_CASE("GET /metrics is public in the document when metrics.public is") {
    auto const open = openapi::build_document(wsd::api::routes(), {.metrics_public = true});
    REQUIRE(open);
    auto const& op = open->at("paths").at("/metrics").at("get").as_object();
    CHECK(op.at("security").as_array().empty());
    CHECK_FALSE(op.at("responses").as_object().contains("401"));
    CHECK(op.at("description").as_string().starts_with("Public"));

    auto const& closed = *operation("get", "/metrics");
    CHECK(closed.at("security").as_array().size() == 1);
    CHECK(response_of(closed, "401") != nullptr);
    CHECK(response_of(closed, "403") != nullptr);
    CHECK(closed.at("description").as_string().starts_with("Role: admin"));

    CHECK(openapi::document_text({.metrics_public = true}) == json::serialize(*open));
  }

  TEST_CASE("every operation documents its errors in the SPEC's shape") {
    auto const described = operations();
    CHECK(described.size() == wsd::api::routes().size());
    for (auto const& [path, verb, op] : described) {
      CAPTURE(path);
      CAPTURE(verb);
      CHECK(response_of(op, "4XX") != nullptr);
      CHECK(response_of(op, "500") != nullptr);
      for (auto const& [status, answer] : op.at("responses").as_object()) {
        if (!status.starts_with("4") && !status.starts_with("5")) continue;
        if (path == "/ready" && status == "503") continue;  // the Readiness body, per the SPEC
        CAPTURE(status);
        auto const* r = resolve(answer);
        REQUIRE(r != nullptr);
        CHECK(r->at("content").at("application/json").at("schema") ==
              json::object{{"$ref", "#/components/schemas/Error"}});
      }
    }

    for (auto const& [verb, path] : database_endpoints) {
      CAPTURE(verb);
      CAPTURE(path);
      auto const* op = operation(verb, path);
      REQUIRE(op != nullptr);
      auto const* unavailable = response_of(*op, "503");
      REQUIRE(unavailable != nullptr);
      CHECK(has_header(*unavailable, "Retry-After"));
      CHECK(response_of(*op, "504") != nullptr);
    }
    CHECK(response_of(*operation("get", "/health"), "503") == nullptr);
  }

  TEST_CASE("path parameters come from the {name} segments") {
    std::size_t with_variables = 0;
    for (auto const& [path, verb, op] : operations()) {
      CAPTURE(path);
      CAPTURE(verb);
      auto const variables = path_variables(path);
      if (!variables.empty()) ++with_variables;
      std::size_t declared = 0;
      for (auto const* p : parameters_of(path, op))
        if (p->at("in") == "path") ++declared;
      CHECK(declared == variables.size());
      for (auto const& name : variables) {
        auto const* p = parameter(path, op, name, "path");
        REQUIRE(p != nullptr);
        CHECK(p->at("required") == true);
      }
    }
    // GET, PATCH and DELETE of a workstation, PATCH and DELETE of a user, the assets of /docs
    // and /admin
    CHECK(with_variables == 7);
    auto const& get = *operation("get", "/api/workstations/{id}");
    auto const* id = parameter("/api/workstations/{id}", get, "id", "path");
    REQUIRE(id != nullptr);
    CHECK(id->at("schema").at("type") == "integer");
    CHECK(id->at("schema").at("format") == "int64");
  }

  TEST_CASE("every $ref resolves and every component and tag is used") {
    std::set<std::string> refs;
    collect_refs(parsed(), refs);
    CHECK(refs.size() > 30);
    for (auto const& target : refs) {
      CAPTURE(target);
      CHECK(resolve(json::object{{"$ref", target}}) != nullptr);
    }
    for (auto const& [kind, members] : parsed().at("components").as_object()) {
      if (kind == "securitySchemes") continue;  // named by `security`, not by $ref
      for (auto const& [name, value] : members.as_object()) {
        auto const target = "#/components/" + std::string(kind) + "/" + std::string(name);
        CAPTURE(target);
        CHECK(refs.contains(target));
      }
    }
    std::set<std::string> used_tags;
    std::set<std::string> ids;
    for (auto const& [path, verb, op] : operations()) {
      for (auto const& tag : op.at("tags").as_array()) used_tags.emplace(tag.as_string());
      CHECK(ids.emplace(op.at("operationId").as_string()).second);
    }
    std::set<std::string> defined_tags;
    for (auto const& tag : parsed().at("tags").as_array())
      defined_tags.emplace(tag.at("name").as_string());
    CHECK(used_tags == defined_tags);
  }

  TEST_CASE("operations carry the SPEC's parameters and statuses") {
    SUBCASE("list query") {
      constexpr std::string_view path = "/api/workstations";
      auto const& op = *operation("get", path);
      auto const* limit = parameter(path, op, "limit", "query");
      REQUIRE(limit != nullptr);
      CHECK(limit->at("schema").at("minimum") == 1);
      CHECK(limit->at("schema").at("maximum") == 1000);
      CHECK(limit->at("schema").at("default") == 100);
      auto const* offset = parameter(path, op, "offset", "query");
      REQUIRE(offset != nullptr);
      CHECK(offset->at("schema").at("minimum") == 0);
      auto const* status = parameter(path, op, "status", "query");
      REQUIRE(status != nullptr);
      auto const* states = resolve(status->at("schema"));
      REQUIRE(states != nullptr);
      CHECK(states->at("enum") == json::array{"online", "offline", "maintenance", "error"});
      CHECK(parameter(path, op, "tag", "query") != nullptr);
      CHECK(parameter(path, op, "If-None-Match", "header") != nullptr);
      auto const* ok = response_of(op, "200");
      REQUIRE(ok != nullptr);
      CHECK(has_header(*ok, "ETag"));
      CHECK(has_header(*ok, "X-Cache"));
      CHECK(response_of(op, "304") != nullptr);
      CHECK(response_of(op, "422") != nullptr);
    }
    SUBCASE("create") {
      constexpr std::string_view path = "/api/workstations";
      auto const& op = *operation("post", path);
      CHECK(parameter(path, op, "Idempotency-Key", "header") != nullptr);
      auto const* created = response_of(op, "201");
      REQUIRE(created != nullptr);
      CHECK(has_header(*created, "Location"));
      CHECK(has_header(*created, "Idempotent-Replayed"));
      for (auto const status : {"400", "401", "403", "409", "413", "415", "422", "503", "504"}) {
        CAPTURE(status);
        CHECK(response_of(op, status) != nullptr);
      }
    }
    SUBCASE("patch honours If-Match") {
      constexpr std::string_view path = "/api/workstations/{id}";
      auto const& op = *operation("patch", path);
      CHECK(parameter(path, op, "If-Match", "header") != nullptr);
      CHECK(response_of(op, "412") != nullptr);
      CHECK(response_of(op, "404") != nullptr);
    }
    SUBCASE("login takes JSON or a form") {
      auto const& op = *operation("post", "/api/auth/login");
      auto const& media = op.at("requestBody").at("content").as_object();
      CHECK(media.contains("application/json"));
      CHECK(media.contains("application/x-www-form-urlencoded"));
      CHECK(response_of(op, "401") != nullptr);
      auto const* throttled = response_of(op, "429");
      REQUIRE(throttled != nullptr);
      CHECK(has_header(*throttled, "Retry-After"));
    }
  }

  TEST_CASE("the error schema has the SPEC's shape") {
    auto const& error = parsed().at("components").at("schemas").at("Error");
    CHECK(error.at("required") == json::array{"error"});
    auto const& body = error.at("properties").at("error");
    CHECK(body.at("required") == json::array{"code", "message"});
    auto const& codes = body.at("properties").at("code").at("enum").as_array();
    CHECK(codes.size() == 16);
    for (auto const code : {"bad_request", "not_found", "gone", "validation_failed",
                            "headers_too_large", "service_unavailable", "timeout"}) {
      CAPTURE(code);
      CHECK(std::find(codes.begin(), codes.end(), json::value(code)) != codes.end());
    }
    auto const& detail = body.at("properties").at("details").at("items");
    CHECK(detail.at("required") == json::array{"field", "message"});
  }

  TEST_CASE("responses share one prebuilt body") {
    auto const a = openapi::document_response();
    auto const b = openapi::document_response();
    CHECK(a.status == 200);
    CHECK(a.content_type == "application/json");
    CHECK(a.body == b.body);
    CHECK(*a.body == openapi::document_text());
    CHECK(openapi::document_response({.metrics_public = true}).body != a.body);
  }

  TEST_CASE("the server serves the document of its settings") {
    for (bool const metrics_public : {false, true}) {
      CAPTURE(metrics_public);
      wsd::test::wsd_server::options options;
      if (metrics_public) options.args = {"--set", "metrics.public=true"};
      wsd::test::wsd_server server(options);
      {
        wsd::test::http_client client(server.port());
        auto const res = client.request("GET", "/openapi.json");
        CHECK(res.status == 200);
        CHECK(res.header("Content-Type").starts_with("application/json"));
        CHECK(res.body == openapi::document_text({.metrics_public = metrics_public}));
      }
      CHECK(server.stop() == 0);
      CHECK(server.err().find("ERROR: AddressSanitizer") == std::string::npos);
    }
  }
}
