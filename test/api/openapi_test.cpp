#include "wsd/api/openapi.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "wsd/api/routes.hpp"

namespace json = boost::json;
namespace openapi = wsd::api::openapi;

namespace {

struct endpoint {
  std::string_view verb;  // lower case, as OpenAPI spells it
  std::string_view path;
  bool is_public;
};

// Every (method, path) of the SPEC's tables.
constexpr endpoint spec_endpoints[] = {
    {"get", "/health", true},
    {"get", "/ready", true},
    {"get", "/openapi.json", true},
    {"get", "/docs", true},
    {"post", "/api/auth/login", true},
    {"get", "/api/auth/me", false},
    {"get", "/api/users", false},
    {"post", "/api/users", false},
    {"delete", "/api/users/{username}", false},
    {"get", "/api/workstations", false},
    {"get", "/api/workstations/{id}", false},
    {"post", "/api/workstations", false},
    {"patch", "/api/workstations/{id}", false},
    {"delete", "/api/workstations/{id}", false},
    {"get", "/api/performance/cache-stats", false},
    {"post", "/api/performance/cache-clear", false},
    {"post", "/api/performance/cache-invalidate", false},
    {"get", "/api/performance/cache-keys", false},
    {"get", "/api/performance/metrics", false},
    {"post", "/api/performance/circuit-breaker/reset", false},
    {"get", "/metrics", false},
};

json::value const& parsed() {
  static json::value const doc = json::parse(openapi::document_text());
  return doc;
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

json::object const* operation(std::string_view verb, std::string_view path) {
  auto const* item = parsed().at("paths").as_object().if_contains(path);
  if (!item) return nullptr;
  auto const* op = item->as_object().if_contains(verb);
  return op ? &op->as_object() : nullptr;
}

// The parameters of an operation, with $refs followed.
std::vector<json::object const*> parameters_of(json::object const& op) {
  std::vector<json::object const*> out;
  if (auto const* list = op.if_contains("parameters"))
    for (auto const& p : list->as_array())
      if (auto const* r = resolve(p)) out.push_back(&r->as_object());
  return out;
}

json::object const* parameter(json::object const& op, std::string_view name, std::string_view in) {
  for (auto const* p : parameters_of(op))
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

void collect_refs(json::value const& v, std::vector<std::string>& out) {
  if (auto const* obj = v.if_object()) {
    for (auto const& [key, value] : *obj) {
      if (key == "$ref") out.emplace_back(value.as_string());
      collect_refs(value, out);
    }
  } else if (auto const* arr = v.if_array()) {
    for (auto const& value : *arr) collect_refs(value, out);
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

TEST_SUITE("openapi") {
  TEST_CASE("the document is OpenAPI 3.0.3 JSON") {
    boost::system::error_code ec;
    auto const doc = json::parse(openapi::document_text(), ec);
    REQUIRE_FALSE(ec);
    CHECK(doc.at("openapi") == "3.0.3");
    CHECK(doc.at("info").at("title") == "wsd");
    CHECK(doc.at("info").at("version") == WSD_VERSION);
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

  TEST_CASE("every endpoint of the SPEC is described") {
    std::set<std::string> ids;
    for (auto const& e : spec_endpoints) {
      CAPTURE(e.verb);
      CAPTURE(e.path);
      auto const* op = operation(e.verb, e.path);
      CHECK(op != nullptr);
      if (!op) continue;
      CHECK(ids.insert(std::string(op->at("operationId").as_string())).second);
      CHECK_FALSE(op->at("responses").as_object().empty());
      auto const& security = op->at("security").as_array();
      std::string_view const description = op->at("description").as_string();
      if (e.is_public) {
        CHECK(security.empty());
        CHECK(description.starts_with("Public"));
      } else {
        REQUIRE(security.size() == 1);
        CHECK(security[0].as_object().contains("bearerAuth"));
        CHECK(description.starts_with("Role: "));
        CHECK(response_of(*op, "401") != nullptr);
      }
    }
  }

  TEST_CASE("every route of the server is described") {
    for (auto const& r : wsd::api::routes()) {
      CAPTURE(r.pattern);
      CHECK(operation(lower(wsd::http::to_string(r.verb)), r.pattern) != nullptr);
    }
  }

  TEST_CASE("path parameters are declared") {
    for (auto const& [path, item] : parsed().at("paths").as_object()) {
      for (auto const& [verb, op] : item.as_object()) {
        CAPTURE(path);
        CAPTURE(verb);
        auto const variables = path_variables(path);
        std::size_t path_params = 0;
        for (auto const* p : parameters_of(op.as_object()))
          if (p->at("in") == "path") ++path_params;
        CHECK(path_params == variables.size());
        for (auto const& name : variables) {
          auto const* p = parameter(op.as_object(), name, "path");
          CHECK(p != nullptr);
          if (p) CHECK(p->at("required") == true);
        }
      }
    }
    auto const* id = parameter(*operation("get", "/api/workstations/{id}"), "id", "path");
    REQUIRE(id != nullptr);
    CHECK(id->at("schema").at("type") == "integer");
    CHECK(id->at("schema").at("format") == "int64");
  }

  TEST_CASE("every $ref resolves") {
    std::vector<std::string> refs;
    collect_refs(parsed(), refs);
    CHECK(refs.size() > 50);
    for (auto const& target : refs) {
      CAPTURE(target);
      CHECK(resolve(json::object{{"$ref", target}}) != nullptr);
    }
  }

  TEST_CASE("operations carry the SPEC's parameters and statuses") {
    SUBCASE("list query") {
      auto const& op = *operation("get", "/api/workstations");
      auto const* limit = parameter(op, "limit", "query");
      REQUIRE(limit != nullptr);
      CHECK(limit->at("schema").at("minimum") == 1);
      CHECK(limit->at("schema").at("maximum") == 1000);
      CHECK(limit->at("schema").at("default") == 100);
      auto const* offset = parameter(op, "offset", "query");
      REQUIRE(offset != nullptr);
      CHECK(offset->at("schema").at("minimum") == 0);
      auto const* status = parameter(op, "status", "query");
      REQUIRE(status != nullptr);
      auto const* states = resolve(status->at("schema"));
      REQUIRE(states != nullptr);
      CHECK(states->at("enum") == json::array{"online", "offline", "maintenance", "error"});
      CHECK(parameter(op, "tag", "query") != nullptr);
      CHECK(parameter(op, "If-None-Match", "header") != nullptr);
      auto const* ok = response_of(op, "200");
      REQUIRE(ok != nullptr);
      CHECK(has_header(*ok, "ETag"));
      CHECK(has_header(*ok, "X-Cache"));
      CHECK(response_of(op, "304") != nullptr);
      CHECK(response_of(op, "422") != nullptr);
    }
    SUBCASE("create") {
      auto const& op = *operation("post", "/api/workstations");
      CHECK(parameter(op, "Idempotency-Key", "header") != nullptr);
      auto const* created = response_of(op, "201");
      REQUIRE(created != nullptr);
      CHECK(has_header(*created, "Location"));
      CHECK(has_header(*created, "Idempotent-Replayed"));
      for (auto const status : {"400", "401", "403", "409", "413", "415", "422", "503", "504"}) {
        CAPTURE(status);
        CHECK(response_of(op, status) != nullptr);
      }
      CHECK(op.at("description").as_string().find("operator") != std::string_view::npos);
    }
    SUBCASE("patch honours If-Match") {
      auto const& op = *operation("patch", "/api/workstations/{id}");
      CHECK(parameter(op, "If-Match", "header") != nullptr);
      CHECK(response_of(op, "412") != nullptr);
      CHECK(response_of(op, "404") != nullptr);
    }
    SUBCASE("503 carries Retry-After and 401 WWW-Authenticate") {
      auto const& op = *operation("get", "/api/workstations/{id}");
      auto const* unavailable = response_of(op, "503");
      REQUIRE(unavailable != nullptr);
      CHECK(has_header(*unavailable, "Retry-After"));
      auto const* unauthorized = response_of(op, "401");
      REQUIRE(unauthorized != nullptr);
      CHECK(has_header(*unauthorized, "WWW-Authenticate"));
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
    SUBCASE("admin operations say so") {
      auto const& op = *operation("get", "/api/performance/cache-stats");
      CHECK(op.at("description").as_string().starts_with("Role: admin"));
      CHECK(response_of(op, "403") != nullptr);
    }
  }

  TEST_CASE("the error schema has the SPEC's shape") {
    auto const& error = parsed().at("components").at("schemas").at("Error");
    CHECK(error.at("required") == json::array{"error"});
    auto const& body = error.at("properties").at("error");
    CHECK(body.at("required") == json::array{"code", "message"});
    auto const& codes = body.at("properties").at("code").at("enum").as_array();
    for (auto const code : {"bad_request", "not_found", "validation_failed", "timeout"}) {
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

    auto const page = openapi::docs_response();
    CHECK(page.status == 200);
    CHECK(page.content_type == "text/html; charset=utf-8");
    CHECK(page.body == openapi::docs_response().body);
    CHECK(*page.body == openapi::docs_html());
  }

  TEST_CASE("the docs page loads Swagger UI for /openapi.json") {
    auto const html = openapi::docs_html();
    CHECK(html.starts_with("<!doctype html>"));
    CHECK(html.find(R"(url: "/openapi.json")") != std::string_view::npos);
    CHECK(html.find("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js") !=
          std::string_view::npos);
    CHECK(html.find("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css") !=
          std::string_view::npos);
  }
}
