#include "wsd/api/openapi_operations.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <utility>

#include <boost/json/value.hpp>

#include "wsd/api/openapi_schemas.hpp"

namespace wsd::api::openapi {

namespace json = boost::json;
using http::method;

namespace {

json::object content(std::string_view media_type, json::value schema) {
  json::object media;
  media["schema"] = std::move(schema);
  json::object out;
  out[media_type] = std::move(media);
  return out;
}

json::object json_content(json::value schema) {
  return content("application/json", std::move(schema));
}

// A response with an optional JSON body and headers named from components.headers.
json::object response(std::string_view description, json::value schema = nullptr,
                      std::initializer_list<std::string_view> headers = {}) {
  json::object out;
  out["description"] = description;
  if (headers.size() != 0) {
    json::object named;
    for (auto const h : headers) named[h] = ref("headers", h);
    out["headers"] = std::move(named);
  }
  if (!schema.is_null()) out["content"] = json_content(std::move(schema));
  return out;
}

struct error_status {
  std::string_view status;  // "404", or a range such as "4XX"
  // Of its component in components.responses, with its description; empty
  // for a status whose meaning differs by operation, so each describes it.
  std::string_view name;
  std::string_view description;
  std::string_view header;  // a header the status always carries, or empty
};

// Only statuses some operation documents without words of its own: an unused
// component is a lint warning.
constexpr error_status error_statuses[] = {
    {"400", "BadRequest", "The body is not valid JSON or not a JSON object.", {}},
    {"401", "Unauthorized", "No valid bearer token.", "WWW-Authenticate"},
    {"403", "Forbidden", "The token's role does not allow this operation.", {}},
    {"404", {}, {}, {}},
    {"409", {}, {}, {}},
    {"412", "PreconditionFailed", "If-Match does not match the current ETag.", {}},
    {"413", "PayloadTooLarge", "The body is larger than server.max_body_bytes.", {}},
    {"415", "UnsupportedMediaType", "A body was sent without a JSON content type.", {}},
    {"422",
     "ValidationFailed",
     "A field or query parameter is invalid; `details` lists each as {field, message}.",
     {}},
    {"429", "TooManyRequests", "Too many attempts; retry after Retry-After seconds.",
     "Retry-After"},
    {"4XX",
     "ClientError",
     "Any request may also be refused by the HTTP layer: not HTTP this server accepts "
     "(bad_request, 400), a method the path does not take (method_not_allowed, 405, with Allow), "
     "a body over server.max_body_bytes (payload_too_large, 413) or headers over "
     "server.max_header_bytes (headers_too_large, 431).",
     {}},
    {"500", "Internal", "An unexpected server error.", {}},
    {"503", "ServiceUnavailable",
     "The database is unreachable or the circuit breaker is open; nothing was applied. Retry "
     "after Retry-After seconds.",
     "Retry-After"},
    {"504",
     "Timeout",
     "The database did not answer within db.query_timeout_ms. A write may still commit: retry "
     "it with the same Idempotency-Key.",
     {}},
};

error_status const& error_info(std::string_view status) {
  auto const* found = std::find_if(std::begin(error_statuses), std::end(error_statuses),
                                   [status](auto const& e) { return e.status == status; });
  if (found == std::end(error_statuses))
    throw std::out_of_range("no error response component for status " + std::string(status));
  return *found;
}

json::object error_response(error_status const& e, std::string_view description) {
  if (e.header.empty()) return response(description, schema_ref("Error"));
  return response(description, schema_ref("Error"), {e.header});
}

constexpr std::string_view workstation = "/api/workstations/{id}";

// What a page's script or style answers.
json::object asset_content() {
  auto media = content("text/javascript", json::object{{"type", "string"}});
  media["text/css"] = json::object{{"schema", json::object{{"type", "string"}}}};
  return media;
}

constexpr description operation_descriptions[] = {
    {method::get, "/health", "getHealth", "health", "Liveness", "200 while the process serves.",
     false, [](operation& op) { op.respond("200", response("Alive.", schema_ref("Health"))); }},
    {method::get, "/ready", "getReady", "health", "Readiness",
     "200 when the database answers and the circuit breaker is closed.", false,
     [](operation& op) {
       op.respond("200", response("Ready.", schema_ref("Readiness")))
           .respond("503", response("Degraded: the database is unreachable or the breaker is open.",
                                    schema_ref("Readiness"), {"Retry-After"}));
     }},
    {method::get, "/openapi.json", "getOpenApi", "docs", "This OpenAPI document",
     "Every route of the server, from its route table.", false,
     [](operation& op) {
       op.respond("200", {{"description", "OpenAPI 3.0.3."},
                          {"content", json_content(json::object{{"type", "object"}})}});
     }},
    {method::get, "/docs", "getDocs", "docs", "Swagger UI",
     "An HTML page that renders /openapi.json, served wholly by this server (Swagger UI is "
     "embedded in the binary).",
     false,
     [](operation& op) {
       op.respond("200", {{"description", "HTML."},
                          {"content", content("text/html", json::object{{"type", "string"}})}});
     }},
    {method::get, "/docs/{file}", "getDocsAsset", "docs", "A script or style of /docs",
     "swagger-ui.css or swagger-ui-bundle.js, cached by browsers for a year.", false,
     [](operation& op) {
       op.respond("200", {{"description", "CSS or JavaScript."}, {"content", asset_content()}});
     }},
    {method::get, "/admin", "getAdminPage", "docs", "The admin page",
     "An HTML page where an admin logs in and watches the metrics live, with the cache and "
     "breaker actions. The page is public; the figures it shows need an admin token.",
     false,
     [](operation& op) {
       op.respond("200", {{"description", "HTML."},
                          {"content", content("text/html", json::object{{"type", "string"}})}});
     }},
    {method::get, "/admin/{file}", "getAdminAsset", "docs", "A script or style of /admin",
     "admin.js or admin.css, cached by browsers for a year.", false,
     [](operation& op) {
       op.respond("200", {{"description", "CSS or JavaScript."}, {"content", asset_content()}});
     }},
    {method::post, "/api/auth/login", "login", "auth", "Log in",
     "Exchanges a username and password for a bearer token. Repeated failures per (username, "
     "client address) and per client address are throttled (429); when too many logins are "
     "being checked already, 503 with Retry-After.",
     true,
     [](operation& op) {
       auto media = json_content(schema_ref("LoginRequest"));
       media["application/x-www-form-urlencoded"] = {{"schema", schema_ref("LoginRequest")}};
       op.body(std::move(media), true, "JSON or form-encoded (OAuth2 password grant).")
           .respond("200", response("A token.", schema_ref("LoginResponse")))
           .error("401", "Bad credentials.")
           .errors({"400", "413", "415", "422", "429", "503"});
     }},
    {method::get, "/api/auth/me", "getMe", "auth", "The caller", "Who the token belongs to.", false,
     [](operation& op) { op.respond("200", response("The caller.", schema_ref("CurrentUser"))); }},
    {method::post, "/api/auth/password", "changePassword", "auth", "Change one's own password",
     "The caller's tokens stop working; log in again with the new password.", true,
     [](operation& op) {
       op.body(json_content(schema_ref("PasswordChange")), true, "The current and new password.")
           .respond("204", response("Changed."))
           .error("422", "The current password is wrong, or the new one breaks the policy.")
           .errors({"400", "413", "415"});
     }},
    {method::post, "/api/auth/logout", "logout", "auth", "Log out",
     "Every token of the caller issued so far stops working within a second.", false,
     [](operation& op) { op.respond("204", response("Logged out.")); }},
    {method::get, "/api/users", "listUsers", "users", "List users",
     "Never includes password hashes.", true,
     [](operation& op) { op.respond("200", response("The users.", schema_ref("UserList"))); }},
    {method::post, "/api/users", "createUser", "users", "Create a user",
     "201 with Location; 409 if the username is taken.", true,
     [](operation& op) {
       op.body(json_content(schema_ref("UserCreate")), true, "The new user.")
           .respond("201", response("Created.", schema_ref("User"), {"Location"}))
           .error("409", "The username is taken.")
           .errors({"400", "413", "415", "422"});
     }},
    {method::patch, "/api/users/{username}", "updateUser", "users", "Change a role or password",
     "The user's tokens stop working; 409 when it would demote the last admin.", true,
     [](operation& op) {
       op.body(json_content(schema_ref("UserUpdate")), true, "The fields to change.")
           .respond("200", response("The user.", schema_ref("User")))
           .error("404", "No such user.")
           .error("409", "The last admin cannot be demoted.")
           .errors({"400", "413", "415", "422"});
     }},
    {method::del, "/api/users/{username}", "deleteUser", "users", "Delete a user",
     "204 when deleted; 404 if there is no such user.", true,
     [](operation& op) { op.respond("204", response("Deleted.")).error("404", "No such user."); }},
    {method::get, "/api/workstations", "listWorkstations", "workstations", "List workstations",
     "Ordered by id; served from the cache.", true,
     [](operation& op) {
       op.param("Status")
           .param("Tag")
           .param("Limit")
           .param("Offset")
           .param("IfNoneMatch")
           .respond("200", response("A page.", schema_ref("WorkstationList"), {"ETag", "X-Cache"}))
           .respond("304", ref("responses", "NotModified"))
           .error("422", "A query parameter is invalid (e.g. status=bogus, limit=0).");
     }},
    {method::post, "/api/workstations", "createWorkstation", "workstations",
     "Register a workstation", "201 with Location; honours Idempotency-Key.", true,
     [](operation& op) {
       op.param("IdempotencyKey")
           .body(json_content(schema_ref("WorkstationCreate")), true, "The new workstation.")
           .respond("201", response("Created.", schema_ref("Workstation"),
                                    {"Location", "ETag", "Idempotent-Replayed"}))
           .error("409",
                  "The name is taken, or an attempt with this Idempotency-Key is still running.")
           .error("422",
                  "A field is invalid, or the Idempotency-Key was used with another request.")
           .errors({"400", "413", "415"});
     }},
    {method::get, workstation, "getWorkstation", "workstations", "Get a workstation",
     "Served from the cache.", true,
     [](operation& op) {
       op.param("IfNoneMatch")
           .respond("200",
                    response("The workstation.", schema_ref("Workstation"), {"ETag", "X-Cache"}))
           .respond("304", ref("responses", "NotModified"))
           .error("404", "No such workstation.");
     }},
    {method::patch, workstation, "patchWorkstation", "workstations", "Update a workstation",
     "JSON merge-patch; honours If-Match and Idempotency-Key.", true,
     [](operation& op) {
       auto media = json_content(schema_ref("WorkstationPatch"));
       media["application/merge-patch+json"] = {{"schema", schema_ref("WorkstationPatch")}};
       op.param("IfMatch")
           .param("IdempotencyKey")
           .body(std::move(media), true, "The fields to change.")
           .respond("200", response("Updated.", schema_ref("Workstation"),
                                    {"ETag", "Idempotent-Replayed"}))
           .error("404", "No such workstation.")
           .error("409",
                  "The name is taken, or an attempt with this Idempotency-Key is still running.")
           .error("422",
                  "A field is invalid, or the Idempotency-Key was used with another request.")
           .errors({"400", "412", "413", "415"});
     }},
    {method::del, workstation, "deleteWorkstation", "workstations", "Retire a workstation",
     "Honours Idempotency-Key.", true,
     [](operation& op) {
       op.param("IdempotencyKey")
           .respond("204", response("Deleted.", nullptr, {"Idempotent-Replayed"}))
           .error("404", "No such workstation.")
           .error("409", "An attempt with this Idempotency-Key is still running.")
           .error("422", "The Idempotency-Key was used with another request.");
     }},
    {method::get, "/api/performance/cache-stats", "getCacheStats", "performance",
     "Cache statistics", "Entries, bytes, hits, misses and hit rate of the in-process cache.",
     false,
     [](operation& op) {
       op.respond("200", response("The statistics.", schema_ref("CacheStats")));
     }},
    {method::post, "/api/performance/cache-clear", "clearCache", "performance", "Empty the cache",
     "Drops every entry: the next reads go to the database.", false,
     [](operation& op) {
       op.respond("200", response("Cleared.", schema_ref("CacheClearResult")));
     }},
    {method::post, "/api/performance/cache-invalidate", "invalidateCache", "performance",
     "Drop matching cache entries",
     "The pattern comes from the query or from a JSON body {\"pattern\": P}.", false,
     [](operation& op) {
       op.param("Pattern")
           .body(json_content(schema_ref("CacheInvalidateRequest")), false,
                 "Alternative to the pattern query parameter.")
           .respond("200", response("Invalidated.", schema_ref("CacheInvalidateResult")))
           .error("400", "The pattern is missing, empty or too long, or the body is not JSON.")
           .errors({"413", "415"});
     }},
    {method::get, "/api/performance/cache-keys", "listCacheKeys", "performance", "List cache keys",
     "The matching keys with their age, TTL and size; pattern defaults to *.", false,
     [](operation& op) {
       op.param("KeyPattern")
           .param("KeyLimit")
           .respond("200", response("The matching keys.", schema_ref("CacheKeys")))
           .error("400", "The pattern is invalid.")
           .error("422", "limit is not an integer between 1 and 10000.");
     }},
    {method::get, "/api/performance/metrics", "getPerformanceMetrics", "performance",
     "Server metrics", "Requests, latency, cache, database, circuit breaker and connections.",
     false,
     [](operation& op) { op.respond("200", response("The metrics.", schema_ref("Metrics"))); }},
    {method::post, "/api/performance/circuit-breaker/reset", "resetCircuitBreaker", "performance",
     "Close the circuit breaker", "Closes the breaker whatever its state.", false,
     [](operation& op) {
       op.respond("200",
                  response("The breaker's state after the reset.", schema_ref("CircuitBreaker")));
     }},
    {method::get, "/metrics", "getPrometheusMetrics", "metrics", "Prometheus metrics",
     "The figures of GET /api/performance/metrics in Prometheus text exposition.", false,
     [](operation& op) {
       op.respond(
           "200",
           {{"description", "Prometheus text format 0.0.4."},
            {"content", content("text/plain; version=0.0.4", json::object{{"type", "string"}})}});
     }},
};

json::object parameter(std::string_view name, std::string_view in, bool required,
                       std::string_view description, json::object schema) {
  json::object out{{"name", name}, {"in", in}, {"required", required}};
  out["description"] = description;
  out["schema"] = std::move(schema);
  return out;
}

json::object header(std::string_view description, json::object schema) {
  json::object out{{"description", description}};
  out["schema"] = std::move(schema);
  return out;
}

}  // namespace

operation& operation::param(std::string_view component) {
  params_.push_back(ref("parameters", component));
  return *this;
}

operation& operation::body(json::object media, bool required, std::string_view description) {
  op_["requestBody"] = {
      {"description", description}, {"required", required}, {"content", std::move(media)}};
  return *this;
}

operation& operation::respond(std::string_view status, json::object answer) {
  responses_[std::string(status)] = std::move(answer);
  return *this;
}

operation& operation::error(std::string_view status, std::string_view description) {
  auto const& e = error_info(status);
  if (description.empty() && e.name.empty())
    throw std::logic_error("status " + std::string(status) + " needs words for each operation");
  if (description.empty()) return respond(status, ref("responses", e.name));
  return respond(status, error_response(e, description));
}

operation& operation::errors(std::initializer_list<std::string_view> statuses) {
  for (auto const s : statuses) error(s);
  return *this;
}

json::object operation::take() && {
  if (!params_.empty()) op_["parameters"] = std::move(params_);
  json::object responses;
  for (auto& [status, answer] : responses_) responses[status] = std::move(answer);
  op_["responses"] = std::move(responses);
  return std::move(op_);
}

std::span<description const> descriptions() {
  return operation_descriptions;
}

json::object const* path_parameter(std::string_view name) {
  // Keyed by name alone, so the words must fit every path that uses the name.
  static json::object const id =
      parameter("id", "path", true, "A numeric id given by the server.",
                {{"type", "integer"}, {"format", "int64"}, {"minimum", 1}});
  static json::object const username =
      parameter("username", "path", true, "A user's name, percent-decoded (e%31 names e1).",
                schema_ref("Username"));
  static json::object const file =
      parameter("file", "path", true, "The name of an asset of the page.", {{"type", "string"}});
  if (name == "id") return &id;
  if (name == "file") return &file;
  if (name == "username") return &username;
  return nullptr;
}

json::object parameters() {
  json::object p;
  p["Status"] = parameter("status", "query", false, "Only workstations with this status.",
                          schema_ref("WorkstationStatus"));
  p["Tag"] = parameter("tag", "query", false, "Only workstations carrying this tag.",
                       {{"type", "string"}, {"minLength", 1}, {"maxLength", 64}});
  p["Limit"] =
      parameter("limit", "query", false, "Page size.",
                {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}});
  p["Offset"] =
      parameter("offset", "query", false, "Items to skip, in id order.",
                {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}, {"default", 0}});
  p["Pattern"] = parameter("pattern", "query", false,
                           "Glob over cache keys: * matches any run of characters, ? one.",
                           {{"type", "string"}, {"minLength", 1}});
  p["KeyPattern"] = parameter("pattern", "query", false, "Glob over cache keys (* and ?).",
                              {{"type", "string"}, {"minLength", 1}, {"default", "*"}});
  p["KeyLimit"] =
      parameter("limit", "query", false, "At most this many keys.",
                {{"type", "integer"}, {"minimum", 1}, {"maximum", 10000}, {"default", 100}});
  p["IfNoneMatch"] =
      parameter("If-None-Match", "header", false, "ETag(s) the client holds; 304 when one matches.",
                {{"type", "string"}});
  p["IfMatch"] =
      parameter("If-Match", "header", false,
                "Apply only if the current ETag matches; 412 otherwise.", {{"type", "string"}});
  p["IdempotencyKey"] = parameter(
      "Idempotency-Key", "header", false,
      "1-128 printable ASCII characters, per user. A repeat with the same key, method, path and "
      "body returns the stored answer (Idempotent-Replayed: true) and applies nothing; another "
      "body with the same key is 422; a repeat while the first attempt runs is 409. Answers are "
      "kept 24 h.",
      {{"type", "string"}, {"minLength", 1}, {"maxLength", 128}, {"pattern", "^[ -~]+$"}});
  return p;
}

json::object headers() {
  json::object h;
  h["ETag"] = header("Changes whenever the content does; use with If-None-Match / If-Match.",
                     {{"type", "string"}});
  h["X-Cache"] = header(
      "Whether the in-process cache answered: HIT, MISS, or STALE (served past its TTL "
      "because the database is failing).",
      {{"type", "string"}, {"enum", json::array{"HIT", "MISS", "STALE"}}});
  h["Location"] =
      header("The created resource.", {{"type", "string"}, {"format", "uri-reference"}});
  h["Retry-After"] = header("Seconds to wait before retrying.", {{"type", "integer"}});
  h["WWW-Authenticate"] = header("Always Bearer.", {{"type", "string"}});
  h["Idempotent-Replayed"] = header(
      "true when this is the stored answer of an earlier attempt with the same "
      "Idempotency-Key.",
      {{"type", "string"}, {"enum", json::array{"true"}}});
  return h;
}

json::object responses() {
  json::object r;
  for (auto const& e : error_statuses)
    if (!e.name.empty()) r[e.name] = error_response(e, e.description);
  r["NotModified"] = response("The ETag matches If-None-Match; no body.", nullptr, {"ETag"});
  return r;
}

}  // namespace wsd::api::openapi
