#include "support/cache_server.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace wsd::test {
namespace {

namespace json = boost::json;

wsd_server::options options_for(std::initializer_list<std::string_view> settings) {
  wsd_server::options options;
  for (auto const setting : settings) {
    options.args.emplace_back("--set");
    options.args.emplace_back(setting);
  }
  return options;
}

}  // namespace

std::string item_path(std::int64_t id) {
  return std::string(collection) + "/" + std::to_string(id);
}

std::string list_path(std::string_view query) {
  return std::string(collection) + std::string(query);
}

std::string item_key(std::int64_t id) {
  return "workstations:item:" + std::to_string(id);
}

std::string encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char const c : text) {
    auto const byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || std::string_view("-._~*:").find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    }
  }
  return out;
}

json::object const& object_at(json::object const& o, std::string_view key) {
  auto const* v = o.if_contains(key);
  REQUIRE_MESSAGE((v != nullptr && v->is_object()),
                  "no object '" << key << "' in " << json::serialize(o));
  return v->as_object();
}

std::int64_t integer(json::object const& o, std::string_view key) {
  auto const* v = o.if_contains(key);
  REQUIRE_MESSAGE((v != nullptr && (v->is_int64() || v->is_uint64())),
                  "no integer '" << key << "' in " << json::serialize(o));
  return v->to_number<std::int64_t>();
}

double number(json::object const& o, std::string_view key) {
  auto const* v = o.if_contains(key);
  REQUIRE_MESSAGE((v != nullptr && v->is_number()),
                  "no number '" << key << "' in " << json::serialize(o));
  return v->to_number<double>();
}

void check_error(http_response const& response, int status, std::string_view code) {
  INFO("response: " << response.status << " " << response.body);
  CHECK(response.status == status);
  CHECK(response.header("Content-Type").starts_with("application/json"));
  boost::system::error_code ec;
  auto const value = json::parse(response.body, ec);
  REQUIRE_FALSE(ec);
  auto const* error = value.is_object() ? value.as_object().if_contains("error") : nullptr;
  REQUIRE((error != nullptr && error->is_object()));
  auto const& e = error->as_object();
  auto const* got_code = e.if_contains("code");
  auto const* message = e.if_contains("message");
  CHECK((got_code != nullptr && got_code->is_string() && got_code->get_string() == code));
  CHECK((message != nullptr && message->is_string() && !message->get_string().empty()));
}

void check_unauthorized(http_response const& response) {
  check_error(response, 401, "unauthorized");
  CHECK(response.header("WWW-Authenticate").starts_with("Bearer"));
}

cache_server::cache_server(std::initializer_list<std::string_view> settings)
    : server_(options_for(settings)), token_(login(server_.port(), "admin", test_admin_password)) {}

http_response cache_server::call(std::string_view method, std::string_view target,
                                 std::string_view body, header_list headers) const {
  return call_as(token_, method, target, body, std::move(headers));
}

http_response cache_server::call_as(std::string_view token, std::string_view method,
                                    std::string_view target, std::string_view body,
                                    header_list headers) const {
  headers.push_back(bearer(token));
  return request(port(), method, target, body, std::move(headers));
}

http_response cache_server::anonymous(std::string_view method, std::string_view target,
                                      header_list headers) const {
  return request(port(), method, target, {}, std::move(headers));
}

json::object cache_server::get_object(std::string_view target) const {
  auto const response = call("GET", target);
  INFO("GET " << target << " -> " << response.status << " " << response.body << "; "
              << diagnostics());
  REQUIRE(response.status == 200);
  return response.json().as_object();
}

std::string cache_server::x_cache(std::string_view target) const {
  auto const response = call("GET", target);
  INFO("GET " << target << " -> " << response.status << " " << response.body);
  REQUIRE(response.status == 200);
  return response.header("X-Cache");
}

std::int64_t cache_server::create(std::string const& name, std::string_view status,
                                  std::string const& description) const {
  json::object const body{
      {"name", name},     {"host", "10.0.0.1"},          {"port", 5985},
      {"status", status}, {"tags", json::array{"rack"}}, {"description", description}};
  auto const response = call("POST", collection, json::serialize(body));
  INFO("POST " << json::serialize(body) << " -> " << response.status << " " << response.body);
  REQUIRE(response.status == 201);
  return integer(response.json().as_object(), "id");
}

std::string cache_server::user_token(std::string_view role) const {
  std::string const name = std::string(role) + "-user";
  json::object const body{{"username", name}, {"password", "long-enough-pw"}, {"role", role}};
  auto const made = call("POST", "/api/users", json::serialize(body));
  INFO("creating " << name << ": " << made.status << " " << made.body);
  REQUIRE(made.status == 201);
  return login(port(), name, "long-enough-pw");
}

json::object cache_server::stats() const {
  return get_object(stats_path);
}

json::object cache_server::metrics() const {
  return get_object(metrics_path);
}

std::int64_t cache_server::queries() const {
  return integer(object_at(metrics(), "database"), "queries");
}

std::int64_t cache_server::quiet_queries() const {
  auto last = queries();
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto const now = queries();
    if (now == last) return now;
    last = now;
  }
  FAIL("database.queries keeps moving with no traffic: the metrics call queries the database");
  return last;
}

std::vector<json::object> cache_server::keys(std::string_view pattern,
                                             std::optional<int> limit) const {
  auto target = std::string(keys_path) + "?pattern=" + encode(pattern);
  if (limit) target += "&limit=" + std::to_string(*limit);
  auto const body = get_object(target);
  auto const* keys = body.if_contains("keys");
  REQUIRE_MESSAGE((keys != nullptr && keys->is_array()), json::serialize(body));
  std::vector<json::object> out;
  for (auto const& k : keys->as_array()) {
    REQUIRE(k.is_object());
    out.push_back(k.as_object());
  }
  return out;
}

std::set<std::int64_t> cache_server::held_items() const {
  std::set<std::int64_t> ids;
  for (auto const& k : keys("workstations:item:*", 10000)) {
    auto const key = std::string(k.at("key").as_string());
    ids.insert(std::stoll(key.substr(key.rfind(':') + 1)));
  }
  return ids;
}

std::string cache_server::diagnostics() const {
  auto const out = server_.out();
  return std::string(server_.running() ? "server running" : "server exited") +
         "; stderr: " + server_.err() +
         "; stdout tail: " + (out.size() > 1500 ? out.substr(out.size() - 1500) : out);
}

void check_stats_shape(json::object const& s) {
  INFO("stats: " << json::serialize(s));
  for (auto const field : stats_fields) {
    CAPTURE(field);
    auto const* v = s.if_contains(field);
    REQUIRE(v != nullptr);
    if (field == "hit_rate") {
      CHECK(v->is_number());
    } else {
      CHECK((v->is_int64() || v->is_uint64()));
      CHECK(v->to_number<double>() >= 0);
    }
  }
  auto const hits = integer(s, "hits");
  auto const misses = integer(s, "misses");
  auto const rate = number(s, "hit_rate");
  CHECK(rate >= 0.0);
  CHECK(rate <= 1.0);
  auto const expected =
      hits + misses == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(hits + misses);
  // hit_rate is rounded to 4 decimals.
  CHECK(rate == doctest::Approx(expected).epsilon(1e-3));
  CHECK(integer(s, "bytes") <= integer(s, "capacity_bytes"));
}

std::vector<std::int64_t> ids_in(json::object const& envelope) {
  std::vector<std::int64_t> ids;
  for (auto const& w : envelope.at("items").as_array()) ids.push_back(integer(w.as_object(), "id"));
  return ids;
}

bool contains(std::vector<std::int64_t> const& ids, std::int64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

void warm(cache_server const& s, std::string const& target) {
  bool hit = false;
  for (int i = 0; i < 3 && !hit; ++i) hit = s.x_cache(target) == "HIT";
  INFO("warming " << target);
  REQUIRE(hit);
}

}  // namespace wsd::test
