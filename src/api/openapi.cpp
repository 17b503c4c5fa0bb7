#include "wsd/api/openapi.hpp"

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "wsd/api/routes.hpp"

namespace wsd::api::openapi {

namespace json = boost::json;

namespace {

json::object ref(std::string_view kind, std::string_view name) {
  std::string target = "#/components/";
  target.append(kind).append("/").append(name);
  return {{"$ref", std::move(target)}};
}

json::object schema_ref(std::string_view name) {
  return ref("schemas", name);
}

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
  unsigned status;
  std::string_view name;
  std::string_view description;
  std::string_view header;  // a header the status always carries, or empty
};

constexpr error_status error_statuses[] = {
    {400, "BadRequest", "The body is not valid JSON or not a JSON object.", {}},
    {401, "Unauthorized", "No valid bearer token.", "WWW-Authenticate"},
    {403, "Forbidden", "The token's role does not allow this operation.", {}},
    {404, "NotFound", "No such resource.", {}},
    {405, "MethodNotAllowed", "The path exists but not with this method.", "Allow"},
    {409, "Conflict", "The request conflicts with the current state.", {}},
    {412, "PreconditionFailed", "If-Match does not match the current ETag.", {}},
    {413, "PayloadTooLarge", "The body is larger than server.max_body_bytes.", {}},
    {415, "UnsupportedMediaType", "A body was sent without a JSON content type.", {}},
    {422,
     "ValidationFailed",
     "A field or query parameter is invalid; `details` lists each as {field, message}.",
     {}},
    {429, "TooManyRequests", "Too many attempts; retry after Retry-After seconds.", "Retry-After"},
    {431, "HeadersTooLarge", "The request headers exceed server.max_header_bytes.", {}},
    {500, "Internal", "An unexpected server error.", {}},
    {503, "ServiceUnavailable",
     "The database is unreachable or the circuit breaker is open; nothing was applied. Retry "
     "after Retry-After seconds.",
     "Retry-After"},
    {504,
     "Timeout",
     "The database did not answer within db.query_timeout_ms. A write may still commit: retry "
     "it with the same Idempotency-Key.",
     {}},
};

error_status const& error_info(unsigned status) {
  auto const* found = std::find_if(std::begin(error_statuses), std::end(error_statuses),
                                   [status](auto const& e) { return e.status == status; });
  return *found;  // callers pass statuses of the table only
}

json::object error_response(error_status const& e, std::string_view description) {
  if (e.header.empty()) return response(description, schema_ref("Error"));
  return response(description, schema_ref("Error"), {e.header});
}

std::string_view role_text(access needs) noexcept {
  switch (needs) {
    case access::anyone:
      return "Public: no token needed.";
    case access::viewer:
      return "Role: any (viewer, operator or admin).";
    case access::operator_:
      return "Role: operator or admin.";
    case access::admin:
      return "Role: admin.";
    case access::metrics:
      return "Role: admin, or anyone when metrics.public is true.";
  }
  return "";
}

// One operation of `paths`, built step by step.
class operation {
 public:
  operation(std::string_view id, std::string_view tag, std::string_view summary, access needs,
            std::string_view description) {
    op_["operationId"] = id;
    op_["tags"] = json::array{tag};
    op_["summary"] = summary;
    std::string text(role_text(needs));
    if (!description.empty()) text.append(" ").append(description);
    op_["description"] = std::move(text);
    json::array security;
    if (needs != access::anyone) security.push_back(json::object{{"bearerAuth", json::array()}});
    op_["security"] = std::move(security);
    // Authentication and role failures come from the dispatcher, before the handler.
    if (needs != access::anyone) error(401);
    if (needs != access::anyone && needs != access::viewer) error(403);
  }

  operation& param(std::string_view component) {
    params_.push_back(ref("parameters", component));
    return *this;
  }

  operation& body(json::object media, bool required, std::string_view description) {
    op_["requestBody"] = {
        {"description", description}, {"required", required}, {"content", std::move(media)}};
    return *this;
  }

  operation& respond(unsigned status, json::object answer) {
    responses_.emplace_back(status, std::move(answer));
    return *this;
  }

  // An error status with its shared description, or with a specific one.
  operation& error(unsigned status, std::string_view description = {}) {
    auto const& e = error_info(status);
    if (description.empty()) return respond(status, ref("responses", e.name));
    return respond(status, error_response(e, description));
  }

  operation& errors(std::initializer_list<unsigned> statuses) {
    for (auto const s : statuses) error(s);
    return *this;
  }

  json::object take() && {
    if (!params_.empty()) op_["parameters"] = std::move(params_);
    std::stable_sort(responses_.begin(), responses_.end(),
                     [](auto const& a, auto const& b) { return a.first < b.first; });
    json::object responses;
    for (auto& [status, answer] : responses_) responses[std::to_string(status)] = std::move(answer);
    op_["responses"] = std::move(responses);
    return std::move(op_);
  }

 private:
  json::object op_;
  json::array params_;
  std::vector<std::pair<unsigned, json::object>> responses_;
};

json::object string_schema(std::string_view description) {
  return {{"type", "string"}, {"description", description}};
}

json::object integer_schema(std::string_view format = "int64") {
  return {{"type", "integer"}, {"format", format}};
}

json::object array_of(json::value items) {
  json::object out;
  out["type"] = "array";
  out["items"] = std::move(items);
  return out;
}

json::object object_schema(json::array required, json::object properties) {
  json::object out;
  out["type"] = "object";
  if (!required.empty()) out["required"] = std::move(required);
  out["properties"] = std::move(properties);
  return out;
}

json::object error_schema() {
  json::array codes;
  for (auto const& e : error_statuses) codes.emplace_back(http::error_code(e.status));
  json::object code{{"type", "string"}};
  code["enum"] = std::move(codes);
  auto detail = object_schema({"field", "message"},
                              {{"field", {{"type", "string"}}}, {"message", {{"type", "string"}}}});
  auto body = object_schema({"code", "message"}, {});
  body["properties"].as_object()["code"] = std::move(code);
  body["properties"].as_object()["message"] = {{"type", "string"}};
  body["properties"].as_object()["details"] = array_of(std::move(detail));
  auto out = object_schema({"error"}, {});
  out["properties"].as_object()["error"] = std::move(body);
  out["example"] = json::parse(
      R"({"error":{"code":"validation_failed","message":"invalid fields",)"
      R"("details":[{"field":"port","message":"must be an integer between 1 and 65535"}]}})");
  return out;
}

// The writable fields, appended to `p`.
json::object workstation_properties(bool with_alias, json::object p = {}) {
  p["name"] = {{"type", "string"},
               {"minLength", 1},
               {"maxLength", 64},
               {"pattern", "^[A-Za-z0-9._-]+$"},
               {"description", "Unique."}};
  p["host"] = {{"type", "string"},
               {"minLength", 1},
               {"maxLength", 253},
               {"description", "A host name or an IPv4/IPv6 address."}};
  if (with_alias)
    p["ip_address"] = {
        {"type", "string"},
        {"minLength", 1},
        {"maxLength", 253},
        {"description", "Input alias of host; if both are sent they must be equal."}};
  p["port"] = {{"type", "integer"}, {"minimum", 1}, {"maximum", 65535}};
  p["status"] = schema_ref("WorkstationStatus");
  p["description"] = {{"type", "string"}, {"maxLength", 1024}};
  auto tags = array_of({{"type", "string"}, {"minLength", 1}, {"maxLength", 64}});
  tags["maxItems"] = 32;
  p["tags"] = std::move(tags);
  return p;
}

json::object workstation_schema() {
  json::object id{{"type", "integer"}, {"format", "int64"}, {"readOnly", true}};
  auto p = workstation_properties(false, {{"id", std::move(id)}});
  p["version"] = {{"type", "integer"},
                  {"format", "int64"},
                  {"readOnly", true},
                  {"description", "1 when created; each change adds one."}};
  for (auto const stamp : {"created_at", "updated_at"})
    p[stamp] = {{"type", "string"}, {"format", "date-time"}, {"readOnly", true}};
  json::array required;
  for (auto const& member : p) required.emplace_back(member.key());
  auto out = object_schema(std::move(required), std::move(p));
  out["example"] =
      json::parse(R"({"id":17,"name":"ws-017","host":"10.0.0.17","port":5985,"status":"online",)"
                  R"("description":"","tags":["gpu","rack-3"],"version":3,)"
                  R"("created_at":"2026-11-24T04:30:00Z","updated_at":"2026-11-24T05:00:00Z"})");
  return out;
}

json::object workstation_create_schema() {
  auto out = object_schema({"name", "port"}, workstation_properties(true));
  out["description"] =
      "host (or its alias ip_address) is required too. status defaults to offline. Unknown "
      "fields are rejected (422); the server's fields (id, version, timestamps) are ignored.";
  out["example"] = json::parse(
      R"({"name":"ws-017","host":"10.0.0.17","port":5985,"status":"online","tags":["gpu"]})");
  return out;
}

json::object workstation_patch_schema() {
  auto out = object_schema({}, workstation_properties(true));
  out["description"] =
      "JSON merge-patch: each field sent replaces the stored one. Fields may not be null; "
      "unknown fields are rejected (422).";
  out["example"] = json::parse(R"({"status":"maintenance"})");
  return out;
}

json::object cache_stats_schema() {
  json::object p;
  for (auto const name : {"entries", "bytes", "capacity_bytes", "hits", "misses"})
    p[name] = integer_schema();
  p["hit_rate"] = {{"type", "number"},
                   {"minimum", 0},
                   {"maximum", 1},
                   {"description", "hits / (hits + misses)"}};
  for (auto const name : {"evictions", "expirations", "invalidations", "shards"})
    p[name] = integer_schema();
  json::array required;
  for (auto const& member : p) required.emplace_back(member.key());
  return object_schema(std::move(required), std::move(p));
}

json::object circuit_breaker_schema() {
  json::object p;
  p["state"] = string_schema("closed, open or half-open");
  p["failures"] = integer_schema();
  p["opened_count"] = integer_schema();
  p["last_opened_at"] = {{"type", "string"},
                         {"format", "date-time"},
                         {"nullable", true},
                         {"description", "null when it never opened"}};
  return object_schema({"state"}, std::move(p));
}

json::object metrics_schema() {
  auto loose = [](std::string_view description) {
    json::object out{{"type", "object"}, {"description", description}};
    out["additionalProperties"] = true;
    return out;
  };
  json::object p;
  p["uptime_seconds"] = {{"type", "number"}};
  p["requests"] =
      loose("total, in_flight, by_status {code: count}, latency_ms {p50, p90, p99, max}");
  p["cache"] = schema_ref("CacheStats");
  p["database"] = loose("backend, pool_size, in_use, queries, errors, latency_ms");
  p["circuit_breaker"] = schema_ref("CircuitBreaker");
  p["connections"] = loose("active, accepted, rejected");
  auto out = object_schema({}, std::move(p));
  out["additionalProperties"] = true;
  return out;
}

json::object role_schema() {
  return {{"type", "string"}, {"enum", json::array{"viewer", "operator", "admin"}}};
}

void user_schemas(json::object& schemas) {
  schemas["Role"] = role_schema();
  schemas["LoginRequest"] = object_schema(
      {"username", "password"}, {{"username", {{"type", "string"}}},
                                 {"password", {{"type", "string"}, {"format", "password"}}}});
  schemas["LoginResponse"] = object_schema(
      {"access_token", "token_type", "expires_in", "role"},
      {{"access_token", string_schema("A JWT (HS256); send it as Authorization: Bearer <token>.")},
       {"token_type", {{"type", "string"}, {"enum", json::array{"bearer"}}}},
       {"expires_in", {{"type", "integer"}, {"description", "Seconds until the token expires."}}},
       {"role", schema_ref("Role")}});
  schemas["CurrentUser"] = object_schema(
      {"username", "role"}, {{"username", {{"type", "string"}}}, {"role", schema_ref("Role")}});
  auto username = json::object{
      {"type", "string"}, {"minLength", 1}, {"maxLength", 64}, {"pattern", "^[A-Za-z0-9._@-]+$"}};
  schemas["User"] = object_schema({"username", "role", "created_at"},
                                  {{"username", username},
                                   {"role", schema_ref("Role")},
                                   {"created_at", {{"type", "string"}, {"format", "date-time"}}}});
  schemas["UserCreate"] = object_schema(
      {"username", "password", "role"},
      {{"username", username},
       {"password",
        {{"type", "string"}, {"format", "password"}, {"minLength", 8}, {"maxLength", 1024}}},
       {"role", schema_ref("Role")}});
  auto list = object_schema({"items", "total"}, {{"total", integer_schema()}});
  list["properties"].as_object()["items"] = array_of(schema_ref("User"));
  schemas["UserList"] = std::move(list);
}

json::object schemas() {
  json::object s;
  s["Error"] = error_schema();
  s["Health"] =
      object_schema({"status"}, {{"status", {{"type", "string"}, {"enum", json::array{"ok"}}}}});
  s["Readiness"] = object_schema(
      {"status"}, {{"status", {{"type", "string"}, {"enum", json::array{"ready", "degraded"}}}},
                   {"database", string_schema("Present when degraded.")},
                   {"circuit_breaker", string_schema("Present when degraded.")}});
  user_schemas(s);
  s["WorkstationStatus"] = {
      {"type", "string"},
      {"enum", json::array{"online", "offline", "maintenance", "error"}},
  };
  s["Workstation"] = workstation_schema();
  s["WorkstationCreate"] = workstation_create_schema();
  s["WorkstationPatch"] = workstation_patch_schema();
  auto list =
      object_schema({"items", "total", "limit", "offset"}, {{"total", integer_schema()},
                                                            {"limit", integer_schema("int32")},
                                                            {"offset", integer_schema()}});
  list["properties"].as_object()["items"] = array_of(schema_ref("Workstation"));
  s["WorkstationList"] = std::move(list);
  s["CacheStats"] = cache_stats_schema();
  s["CacheClearResult"] =
      object_schema({"status", "entries_removed"},
                    {{"status", {{"type", "string"}, {"enum", json::array{"success"}}}},
                     {"entries_removed", integer_schema()}});
  s["CacheInvalidateRequest"] =
      object_schema({"pattern"}, {{"pattern", {{"type", "string"}, {"minLength", 1}}}});
  s["CacheInvalidateResult"] =
      object_schema({"status", "pattern", "invalidated"},
                    {{"status", {{"type", "string"}, {"enum", json::array{"success"}}}},
                     {"pattern", {{"type", "string"}}},
                     {"invalidated", integer_schema()}});
  auto key = object_schema({"key", "age_seconds", "ttl_seconds", "bytes"},
                           {{"key", {{"type", "string"}}},
                            {"age_seconds", {{"type", "number"}}},
                            {"ttl_seconds", {{"type", "number"}}},
                            {"bytes", integer_schema()}});
  auto keys = object_schema({"keys"}, {});
  keys["properties"].as_object()["keys"] = array_of(std::move(key));
  s["CacheKeys"] = std::move(keys);
  s["CircuitBreaker"] = circuit_breaker_schema();
  s["Metrics"] = metrics_schema();
  return s;
}

json::object parameter(std::string_view name, std::string_view in, bool required,
                       std::string_view description, json::object schema) {
  json::object out{{"name", name}, {"in", in}, {"required", required}};
  out["description"] = description;
  out["schema"] = std::move(schema);
  return out;
}

json::object parameters() {
  json::object p;
  p["WorkstationId"] = parameter("id", "path", true, "The workstation's id.",
                                 {{"type", "integer"}, {"format", "int64"}, {"minimum", 1}});
  p["Username"] = parameter("username", "path", true, "The user's name.", {{"type", "string"}});
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

json::object header(std::string_view description, json::object schema) {
  json::object out{{"description", description}};
  out["schema"] = std::move(schema);
  return out;
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
  h["Allow"] = header("The methods the path accepts.", {{"type", "string"}});
  h["Idempotent-Replayed"] = header(
      "true when this is the stored answer of an earlier attempt with the same "
      "Idempotency-Key.",
      {{"type", "string"}, {"enum", json::array{"true"}}});
  return h;
}

json::object responses() {
  json::object r;
  for (auto const& e : error_statuses) r[e.name] = error_response(e, e.description);
  r["NotModified"] = response("The ETag matches If-None-Match; no body.", nullptr, {"ETag"});
  return r;
}

json::object components() {
  json::object c;
  c["securitySchemes"] = {{"bearerAuth",
                           {{"type", "http"},
                            {"scheme", "bearer"},
                            {"bearerFormat", "JWT"},
                            {"description", "A token from POST /api/auth/login."}}}};
  c["schemas"] = schemas();
  c["parameters"] = parameters();
  c["headers"] = headers();
  c["responses"] = responses();
  return c;
}

void add(json::object& paths, std::string_view path, std::string_view verb, operation op) {
  auto& item = paths[path];
  if (!item.is_object()) item = json::object();
  item.as_object()[verb] = std::move(op).take();
}

void health_paths(json::object& paths) {
  add(paths, "/health", "get",
      operation("getHealth", "health", "Liveness", access::anyone, "200 while the process serves.")
          .respond(200, response("Alive.", schema_ref("Health"))));
  add(paths, "/ready", "get",
      operation("getReady", "health", "Readiness", access::anyone,
                "200 when the database answers and the circuit breaker is closed.")
          .respond(200, response("Ready.", schema_ref("Readiness")))
          .respond(503, response("Degraded: the database is unreachable or the breaker is open.",
                                 schema_ref("Readiness"), {"Retry-After"})));
  add(paths, "/metrics", "get",
      operation("getPrometheusMetrics", "metrics", "Prometheus metrics", access::metrics,
                "The figures of GET /api/performance/metrics in Prometheus text exposition.")
          .respond(200, {{"description", "Prometheus text format 0.0.4."},
                         {"content", content("text/plain; version=0.0.4",
                                             json::object{{"type", "string"}})}}));
}

void docs_paths(json::object& paths) {
  add(paths, "/openapi.json", "get",
      operation("getOpenApi", "docs", "This OpenAPI document", access::anyone, {})
          .respond(200, {{"description", "OpenAPI 3.0.3."},
                         {"content", json_content(json::object{{"type", "object"}})}}));
  add(paths, "/docs", "get",
      operation("getDocs", "docs", "Swagger UI", access::anyone,
                "An HTML page that renders /openapi.json.")
          .respond(200, {{"description", "HTML."},
                         {"content", content("text/html", json::object{{"type", "string"}})}}));
}

void auth_paths(json::object& paths) {
  auto login_body = json_content(schema_ref("LoginRequest"));
  login_body["application/x-www-form-urlencoded"] = {{"schema", schema_ref("LoginRequest")}};
  add(paths, "/api/auth/login", "post",
      operation("login", "auth", "Log in", access::anyone,
                "Exchanges a username and password for a bearer token. Repeated failures for one "
                "username are throttled (429).")
          .body(std::move(login_body), true, "JSON or form-encoded (OAuth2 password grant).")
          .respond(200, response("A token.", schema_ref("LoginResponse")))
          .error(401, "Bad credentials.")
          .errors({400, 413, 415, 422, 429, 500, 503, 504}));
  add(paths, "/api/auth/me", "get",
      operation("getMe", "auth", "The caller", access::viewer, "Who the token belongs to.")
          .respond(200, response("The caller.", schema_ref("CurrentUser"))));
}

void user_paths(json::object& paths) {
  add(paths, "/api/users", "get",
      operation("listUsers", "users", "List users", access::admin,
                "Never includes password hashes.")
          .respond(200, response("The users.", schema_ref("UserList")))
          .errors({500, 503, 504}));
  add(paths, "/api/users", "post",
      operation("createUser", "users", "Create a user", access::admin, {})
          .body(json_content(schema_ref("UserCreate")), true, "The new user.")
          .respond(201, response("Created.", schema_ref("User"), {"Location"}))
          .error(409, "The username is taken.")
          .errors({400, 413, 415, 422, 500, 503, 504}));
  add(paths, "/api/users/{username}", "delete",
      operation("deleteUser", "users", "Delete a user", access::admin, {})
          .param("Username")
          .respond(204, response("Deleted."))
          .error(404, "No such user.")
          .errors({500, 503, 504}));
}

void workstation_collection(json::object& paths) {
  add(paths, "/api/workstations", "get",
      operation("listWorkstations", "workstations", "List workstations", access::viewer,
                "Ordered by id; served from the cache.")
          .param("Status")
          .param("Tag")
          .param("Limit")
          .param("Offset")
          .param("IfNoneMatch")
          .respond(200, response("A page.", schema_ref("WorkstationList"), {"ETag", "X-Cache"}))
          .respond(304, ref("responses", "NotModified"))
          .error(422, "A query parameter is invalid (e.g. status=bogus, limit=0).")
          .errors({500, 503, 504}));
  add(paths, "/api/workstations", "post",
      operation("createWorkstation", "workstations", "Register a workstation", access::operator_,
                "201 with Location; honours Idempotency-Key.")
          .param("IdempotencyKey")
          .body(json_content(schema_ref("WorkstationCreate")), true, "The new workstation.")
          .respond(201, response("Created.", schema_ref("Workstation"),
                                 {"Location", "ETag", "Idempotent-Replayed"}))
          .error(409,
                 "The name is taken, or an attempt with this Idempotency-Key is still running.")
          .error(422, "A field is invalid, or the Idempotency-Key was used with another request.")
          .errors({400, 413, 415, 500, 503, 504}));
}

void workstation_item(json::object& paths) {
  constexpr std::string_view item = "/api/workstations/{id}";
  add(paths, item, "get",
      operation("getWorkstation", "workstations", "Get a workstation", access::viewer,
                "Served from the cache.")
          .param("WorkstationId")
          .param("IfNoneMatch")
          .respond(200,
                   response("The workstation.", schema_ref("Workstation"), {"ETag", "X-Cache"}))
          .respond(304, ref("responses", "NotModified"))
          .error(404, "No such workstation.")
          .errors({500, 503, 504}));
  auto patch_body = json_content(schema_ref("WorkstationPatch"));
  patch_body["application/merge-patch+json"] = {{"schema", schema_ref("WorkstationPatch")}};
  add(paths, item, "patch",
      operation("patchWorkstation", "workstations", "Update a workstation", access::operator_,
                "JSON merge-patch; honours If-Match and Idempotency-Key.")
          .param("WorkstationId")
          .param("IfMatch")
          .param("IdempotencyKey")
          .body(std::move(patch_body), true, "The fields to change.")
          .respond(200,
                   response("Updated.", schema_ref("Workstation"), {"ETag", "Idempotent-Replayed"}))
          .error(404, "No such workstation.")
          .error(409,
                 "The name is taken, or an attempt with this Idempotency-Key is still running.")
          .error(422, "A field is invalid, or the Idempotency-Key was used with another request.")
          .errors({400, 412, 413, 415, 500, 503, 504}));
  add(paths, item, "delete",
      operation("deleteWorkstation", "workstations", "Retire a workstation", access::operator_,
                "Honours Idempotency-Key.")
          .param("WorkstationId")
          .param("IdempotencyKey")
          .respond(204, response("Deleted.", nullptr, {"Idempotent-Replayed"}))
          .error(404, "No such workstation.")
          .error(409, "An attempt with this Idempotency-Key is still running.")
          .error(422, "The Idempotency-Key was used with another request.")
          .errors({500, 503, 504}));
}

void performance_paths(json::object& paths) {
  add(paths, "/api/performance/cache-stats", "get",
      operation("getCacheStats", "performance", "Cache statistics", access::admin, {})
          .respond(200, response("The statistics.", schema_ref("CacheStats"))));
  add(paths, "/api/performance/cache-clear", "post",
      operation("clearCache", "performance", "Empty the cache", access::admin, {})
          .respond(200, response("Cleared.", schema_ref("CacheClearResult"))));
  add(paths, "/api/performance/cache-invalidate", "post",
      operation("invalidateCache", "performance", "Drop matching cache entries", access::admin,
                "The pattern comes from the query or from a JSON body {\"pattern\": P}.")
          .param("Pattern")
          .body(json_content(schema_ref("CacheInvalidateRequest")), false,
                "Alternative to the pattern query parameter.")
          .respond(200, response("Invalidated.", schema_ref("CacheInvalidateResult")))
          .error(400, "The pattern is missing, empty or too long, or the body is not JSON.")
          .errors({413, 415}));
  add(paths, "/api/performance/cache-keys", "get",
      operation("listCacheKeys", "performance", "List cache keys", access::admin, {})
          .param("KeyPattern")
          .param("KeyLimit")
          .respond(200, response("The matching keys.", schema_ref("CacheKeys")))
          .error(400, "The pattern is invalid.")
          .error(422, "limit is not an integer between 1 and 10000."));
  add(paths, "/api/performance/metrics", "get",
      operation("getPerformanceMetrics", "performance", "Server metrics", access::admin, {})
          .respond(200, response("The metrics.", schema_ref("Metrics"))));
  add(paths, "/api/performance/circuit-breaker/reset", "post",
      operation("resetCircuitBreaker", "performance", "Close the circuit breaker", access::admin,
                {})
          .respond(200,
                   response("The breaker's state after the reset.", schema_ref("CircuitBreaker"))));
}

json::object paths() {
  json::object p;
  health_paths(p);
  docs_paths(p);
  auth_paths(p);
  user_paths(p);
  workstation_collection(p);
  workstation_item(p);
  performance_paths(p);
  return p;
}

json::array tags() {
  json::array out;
  for (auto const& [name, description] : std::initializer_list<std::pair<char const*, char const*>>{
           {"health", "Liveness and readiness probes."},
           {"docs", "This description."},
           {"auth", "Tokens."},
           {"users", "User accounts."},
           {"workstations", "The inventory."},
           {"performance", "Cache, metrics and circuit breaker administration."},
           {"metrics", "Prometheus scraping."}})
    out.push_back(json::object{{"name", name}, {"description", description}});
  return out;
}

std::string build_document() {
  json::object doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = {
      {"title", "wsd"},
      {"version", WSD_VERSION},
      {"description",
       "Workstation inventory. Bodies are JSON; every error has the Error shape. Any route may "
       "also answer 405 (wrong method, with Allow), 413, 431 or 500."}};
  doc["tags"] = tags();
  doc["paths"] = paths();
  doc["components"] = components();
  return json::serialize(doc);
}

constexpr std::string_view docs_page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wsd API</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>
window.onload = () => {
  window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true});
};
</script>
</body>
</html>
)html";

http::body_ptr const& document_body() {
  static auto const body = http::make_body(build_document());
  return body;
}

http::body_ptr const& docs_body() {
  static auto const body = http::make_body(std::string(docs_page));
  return body;
}

}  // namespace

std::string_view document_text() {
  return *document_body();
}

std::string_view docs_html() {
  return *docs_body();
}

http::response document_response() {
  http::response res;
  res.content_type = "application/json";
  res.body = document_body();
  return res;
}

http::response docs_response() {
  http::response res;
  res.content_type = "text/html; charset=utf-8";
  res.body = docs_body();
  return res;
}

boost::asio::awaitable<reply> document(context&) {
  co_return document_response();
}

boost::asio::awaitable<reply> docs(context&) {
  co_return docs_response();
}

}  // namespace wsd::api::openapi
