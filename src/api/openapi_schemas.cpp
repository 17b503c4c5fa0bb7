#include "wsd/api/openapi_schemas.hpp"

#include <string>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "wsd/core/error.hpp"

namespace wsd::api::openapi {

namespace json = boost::json;

namespace {

// Every code an error body may carry, spelled by core::to_string.
constexpr core::errc error_codes[] = {
    core::errc::bad_request,
    core::errc::unauthorized,
    core::errc::forbidden,
    core::errc::not_found,
    core::errc::method_not_allowed,
    core::errc::conflict,
    core::errc::gone,
    core::errc::precondition_failed,
    core::errc::payload_too_large,
    core::errc::unsupported_media_type,
    core::errc::validation_failed,
    core::errc::too_many_requests,
    core::errc::headers_too_large,
    core::errc::internal,
    core::errc::unavailable,
    core::errc::timeout,
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

json::array all_keys(json::object const& properties) {
  json::array out;
  for (auto const& member : properties) out.emplace_back(member.key());
  return out;
}

json::object error_schema() {
  json::array codes;
  for (auto const c : error_codes) codes.emplace_back(core::to_string(c));
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
  auto out = object_schema(all_keys(p), std::move(p));
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

void workstation_schemas(json::object& s) {
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
  return object_schema(all_keys(p), std::move(p));
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
  p["database"] = loose(
      "backend, pool_size, in_use, queries, errors, retried_reads, pool_waits_timed_out, "
      "latency_ms");
  p["change_feed"] = loose(
      "state (listening, reconnecting or off), reconnects, expirations {listening_started, "
      "reconnected, stalled}");
  p["circuit_breaker"] = schema_ref("CircuitBreaker");
  p["compression"] = loose(
      "gzip and br, each: bytes_in, bytes_out (before and after compressing), variants "
      "(stored with cache entries), dynamic (compressed for one response)");
  p["connections"] = loose("active, accepted, rejected");
  p["logins"] = loose(
      "pending, max_pending, accepted, rejected, rejected_by_reason {bad_credentials, throttled, "
      "overloaded}");
  auto out = object_schema({}, std::move(p));
  out["additionalProperties"] = true;
  return out;
}

void performance_schemas(json::object& s) {
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
}

void user_schemas(json::object& s) {
  s["Username"] = {
      {"type", "string"}, {"minLength", 1}, {"maxLength", 64}, {"pattern", "^[A-Za-z0-9._@-]+$"}};
  s["Password"] = {{"type", "string"},
                   {"format", "password"},
                   {"maxLength", 1024},
                   {"description",
                    "At least auth.min_password_length (default 12) characters, not the "
                    "username."}};
  s["Role"] = {{"type", "string"}, {"enum", json::array{"viewer", "operator", "admin"}}};
  s["LoginRequest"] = object_schema({"username", "password"},
                                    {{"username", {{"type", "string"}}},
                                     {"password", {{"type", "string"}, {"format", "password"}}}});
  s["LoginResponse"] = object_schema(
      {"access_token", "token_type", "expires_in", "role"},
      {{"access_token", string_schema("A JWT (HS256); send it as Authorization: Bearer <token>.")},
       {"token_type", {{"type", "string"}, {"enum", json::array{"bearer"}}}},
       {"expires_in", {{"type", "integer"}, {"description", "Seconds until the token expires."}}},
       {"role", schema_ref("Role")}});
  s["CurrentUser"] = object_schema(
      {"username", "role"}, {{"username", {{"type", "string"}}}, {"role", schema_ref("Role")}});
  s["User"] = object_schema({"username", "role", "created_at"},
                            {{"username", schema_ref("Username")},
                             {"role", schema_ref("Role")},
                             {"created_at", {{"type", "string"}, {"format", "date-time"}}}});
  s["UserCreate"] =
      object_schema({"username", "password", "role"}, {{"username", schema_ref("Username")},
                                                       {"password", schema_ref("Password")},
                                                       {"role", schema_ref("Role")}});
  auto update =
      object_schema({}, {{"password", schema_ref("Password")}, {"role", schema_ref("Role")}});
  update["minProperties"] = 1;
  s["UserUpdate"] = std::move(update);
  s["PasswordChange"] =
      object_schema({"current_password", "new_password"},
                    {{"current_password", {{"type", "string"}, {"format", "password"}}},
                     {"new_password", schema_ref("Password")}});
  auto list = object_schema({"items", "total"}, {{"total", integer_schema()}});
  list["properties"].as_object()["items"] = array_of(schema_ref("User"));
  s["UserList"] = std::move(list);
}

}  // namespace

json::object ref(std::string_view kind, std::string_view name) {
  std::string target = "#/components/";
  target.append(kind).append("/").append(name);
  return {{"$ref", std::move(target)}};
}

json::object schema_ref(std::string_view name) {
  return ref("schemas", name);
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
  workstation_schemas(s);
  performance_schemas(s);
  return s;
}

}  // namespace wsd::api::openapi
