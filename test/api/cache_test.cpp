// Black-box tests of the response cache and the admin performance endpoints
// (SPEC.md "Cache semantics", /api/performance/*, /metrics; the cache issue):
// the real wsd binary on an ephemeral port with a temporary SQLite database.
// `database.queries` in the metrics counts every SQL statement, so "a hit does
// no database work" and single-flight are observed from outside.
#include "support/await.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <latch>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace json = boost::json;
using wsd::test::header_list;
using wsd::test::http_client;
using wsd::test::http_response;
using wsd::test::wsd_server;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::string_view collection = "/api/workstations";
constexpr std::string_view stats_path = "/api/performance/cache-stats";
constexpr std::string_view clear_path = "/api/performance/cache-clear";
constexpr std::string_view invalidate_path = "/api/performance/cache-invalidate";
constexpr std::string_view keys_path = "/api/performance/cache-keys";
constexpr std::string_view metrics_path = "/api/performance/metrics";
constexpr std::string_view prometheus_path = "/metrics";
constexpr std::int64_t default_max_bytes = 67108864;

constexpr std::array<std::string_view, 10> stats_fields{
    "entries",  "bytes",     "capacity_bytes", "hits",          "misses",
    "hit_rate", "evictions", "expirations",    "invalidations", "shards"};

std::string item_path(std::int64_t id) {
  return std::string(collection) + "/" + std::to_string(id);
}

std::string list_path(std::string_view query) {
  return std::string(collection) + std::string(query);
}

std::string item_key(std::int64_t id) {
  return "workstations:item:" + std::to_string(id);
}

// Percent-encodes all but unreserved characters and the glob's `*` and `:`.
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

// The SPEC's error shape: {"error":{"code","message",...}} with a JSON type.
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

// A running wsd with `--set` settings, and its admin's token.
class cache_server {
 public:
  explicit cache_server(std::initializer_list<std::string_view> settings = {})
      : server_(options_for(settings)),
        token_(wsd::test::login(server_.port(), "admin", wsd::test::test_admin_password)) {}

  std::uint16_t port() const noexcept { return server_.port(); }

  // One request on a fresh connection, as admin.
  http_response call(std::string_view method, std::string_view target, std::string_view body = {},
                     header_list headers = {}) const {
    return call_as(token_, method, target, body, std::move(headers));
  }

  // One request on a fresh connection with this bearer token.
  http_response call_as(std::string_view token, std::string_view method, std::string_view target,
                        std::string_view body = {}, header_list headers = {}) const {
    headers.push_back(wsd::test::bearer(token));
    return wsd::test::request(port(), method, target, body, std::move(headers));
  }

  // One request on a fresh connection with only the given headers.
  http_response anonymous(std::string_view method, std::string_view target,
                          header_list headers = {}) const {
    return wsd::test::request(port(), method, target, {}, std::move(headers));
  }

  // A GET as admin that must answer 200 with a JSON object.
  json::object get_object(std::string_view target) const {
    auto const response = call("GET", target);
    INFO("GET " << target << " -> " << response.status << " " << response.body << "; "
                << diagnostics());
    REQUIRE(response.status == 200);
    return response.json().as_object();
  }

  // X-Cache of a GET that must answer 200.
  std::string x_cache(std::string_view target) const {
    auto const response = call("GET", target);
    INFO("GET " << target << " -> " << response.status << " " << response.body);
    REQUIRE(response.status == 200);
    return response.header("X-Cache");
  }

  std::int64_t create(std::string const& name, std::string_view status = "online",
                      std::string const& description = {}) const {
    json::object const body{
        {"name", name},     {"host", "10.0.0.1"},          {"port", 5985},
        {"status", status}, {"tags", json::array{"rack"}}, {"description", description}};
    auto const response = call("POST", collection, json::serialize(body));
    INFO("POST " << json::serialize(body) << " -> " << response.status << " " << response.body);
    REQUIRE(response.status == 201);
    return integer(response.json().as_object(), "id");
  }

  // A new user with this role (its name is the role), logged in.
  std::string user_token(std::string_view role) const {
    std::string const name = std::string(role) + "-user";
    json::object const body{{"username", name}, {"password", "long-enough-pw"}, {"role", role}};
    auto const made = call("POST", "/api/users", json::serialize(body));
    INFO("creating " << name << ": " << made.status << " " << made.body);
    REQUIRE(made.status == 201);
    return wsd::test::login(port(), name, "long-enough-pw");
  }

  json::object stats() const { return get_object(stats_path); }
  json::object metrics() const { return get_object(metrics_path); }
  std::int64_t queries() const { return integer(object_at(metrics(), "database"), "queries"); }

  // database.queries once two reads in a row agree. The idempotency-key sweep
  // at start may still be running when a test begins; a metrics call that
  // queried the database itself would never settle.
  std::int64_t quiet_queries() const {
    auto last = queries();
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto const now = queries();
      if (now == last) return now;
      last = now;
    }
    FAIL("database.queries keeps moving with no traffic: the metrics call queries the database");
    return last;
  }

  std::vector<json::object> keys(std::string_view pattern,
                                 std::optional<int> limit = std::nullopt) const {
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

  // The ids of the held item keys.
  std::set<std::int64_t> held_items() const {
    std::set<std::int64_t> ids;
    for (auto const& k : keys("workstations:item:*", 10000)) {
      auto const key = std::string(k.at("key").as_string());
      ids.insert(std::stoll(key.substr(key.rfind(':') + 1)));
    }
    return ids;
  }

  std::string diagnostics() const {
    auto const out = server_.out();
    return std::string(server_.running() ? "server running" : "server exited") +
           "; stderr: " + server_.err() +
           "; stdout tail: " + (out.size() > 1500 ? out.substr(out.size() - 1500) : out);
  }

 private:
  static wsd_server::options options_for(std::initializer_list<std::string_view> settings) {
    wsd_server::options options;
    for (auto const setting : settings) {
      options.args.emplace_back("--set");
      options.args.emplace_back(setting);
    }
    return options;
  }

  wsd_server server_;
  std::string token_;
};

// Every cache-stats field, of the right type and mutually consistent.
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

// GETs target until it answers HIT (at most three times), so the next
// check reads past a cached entry.
void warm(cache_server const& s, std::string const& target) {
  bool hit = false;
  for (int i = 0; i < 3 && !hit; ++i) hit = s.x_cache(target) == "HIT";
  INFO("warming " << target);
  REQUIRE(hit);
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Prometheus text exposition, as far as these tests read it.
struct sample {
  std::string name;
  std::string labels;  // between the braces
  double value = 0;
};

struct exposition {
  std::map<std::string, std::string> types;  // metric family -> type
  std::vector<sample> samples;
  std::vector<std::string> problems;
};

std::string family_of(std::string const& name, std::map<std::string, std::string> const& types) {
  if (types.contains(name)) return name;
  for (std::string_view const suffix : {"_bucket", "_sum", "_count"}) {
    if (!name.ends_with(suffix)) continue;
    auto const base = name.substr(0, name.size() - suffix.size());
    auto const it = types.find(base);
    if (it != types.end() && it->second == "histogram") return base;
  }
  return {};
}

void read_sample(std::string const& line, exposition& e, std::string& current,
                 std::set<std::string>& finished) {
  auto const space = line.rfind(' ');
  auto const brace = line.find('{');
  auto const name_end = std::min(brace, line.find(' '));
  sample s;
  s.name = line.substr(0, name_end);
  if (brace != std::string::npos) s.labels = line.substr(brace + 1, line.find('}') - brace - 1);
  auto const text = space == std::string::npos ? std::string() : line.substr(space + 1);
  char* end = nullptr;
  s.value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') e.problems.push_back("bad value: " + line);
  auto const family = family_of(s.name, e.types);
  if (family.empty()) e.problems.push_back("sample without a # TYPE before it: " + line);
  if (family != current) {
    if (finished.contains(family)) e.problems.push_back("family not grouped: " + line);
    finished.insert(current);
    current = family;
  }
  e.samples.push_back(std::move(s));
}

exposition parse_exposition(std::string const& text) {
  exposition e;
  std::string current;
  std::set<std::string> finished;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto const end = std::min(text.find('\n', pos), text.size());
    auto const line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    if (line.starts_with("# TYPE ")) {
      auto const rest = line.substr(7);
      auto const space = rest.find(' ');
      auto const name = rest.substr(0, space);
      if (e.types.contains(name)) e.problems.push_back("# TYPE twice: " + line);
      e.types[name] = space == std::string::npos ? "" : rest.substr(space + 1);
    } else if (!line.starts_with("#")) {
      read_sample(line, e, current, finished);
    }
  }
  return e;
}

std::optional<double> value_of(exposition const& e, std::string_view name,
                               std::string_view labels = {}) {
  for (auto const& s : e.samples)
    if (s.name == name && s.labels == labels) return s.value;
  return std::nullopt;
}

// Buckets in increasing `le`, cumulative counts never decreasing, the last
// one le="+Inf" and equal to _count.
void check_histogram(exposition const& e, std::string const& name) {
  CAPTURE(name);
  auto const type = e.types.find(name);
  REQUIRE(type != e.types.end());
  CHECK(type->second == "histogram");
  std::vector<std::pair<std::string, double>> buckets;
  for (auto const& s : e.samples) {
    if (s.name != name + "_bucket") continue;
    auto const at = s.labels.find("le=\"");
    REQUIRE(at != std::string::npos);
    auto const from = at + 4;
    buckets.emplace_back(s.labels.substr(from, s.labels.find('"', from) - from), s.value);
  }
  REQUIRE(buckets.size() >= 2);
  CHECK(buckets.back().first == "+Inf");
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    INFO("bucket le=" << buckets[i].first << " after le=" << buckets[i - 1].first);
    CHECK(buckets[i].second >= buckets[i - 1].second);
    if (i + 1 < buckets.size())
      CHECK(std::stod(buckets[i].first) > std::stod(buckets[i - 1].first));
  }
  auto const count = value_of(e, name + "_count");
  REQUIRE(count.has_value());
  CHECK(buckets.back().second == *count);
  CHECK(value_of(e, name + "_sum").has_value());
}

}  // namespace

TEST_SUITE("cache api") {
  TEST_CASE("an item GET is a MISS, then a HIT with the same body and ETag, 304 on a hit") {
    cache_server const s;
    auto const id = s.create("ws-a");
    for (auto const& target : {item_path(id), list_path("")}) {
      CAPTURE(target);
      auto const first = s.call("GET", target);
      REQUIRE(first.status == 200);
      CHECK(first.header("X-Cache") == "MISS");
      auto const etag = first.header("ETag");
      CHECK(!etag.empty());

      auto const second = s.call("GET", target);
      REQUIRE(second.status == 200);
      CHECK(second.header("X-Cache") == "HIT");
      CHECK(second.header("ETag") == etag);
      CHECK(second.body == first.body);
      CHECK(second.header("Content-Type").starts_with("application/json"));

      auto const not_modified = s.call("GET", target, {}, {{"If-None-Match", etag}});
      CHECK(not_modified.status == 304);
      CHECK(not_modified.body.empty());
      CHECK(not_modified.header("ETag") == etag);
      CHECK(not_modified.header("X-Cache") == "HIT");
      CHECK(s.call("GET", target, {}, {{"If-None-Match", "\"other\""}}).status == 200);
    }
    check_error(s.call("GET", item_path(id + 1000)), 404, "not_found");
    check_error(s.call("GET", item_path(id + 1000)), 404, "not_found");
  }

  TEST_CASE("list keys are normalized: parameter order and explicit defaults share a key") {
    cache_server const s;
    for (auto const* name : {"ws-1", "ws-2", "ws-3"}) s.create(name, "online");
    s.create("ws-off", "offline");

    auto const first = s.call("GET", list_path("?limit=5&status=online"));
    REQUIRE(first.status == 200);
    CHECK(first.header("X-Cache") == "MISS");
    CHECK(first.json().at("total") == 3);
    auto const swapped = s.call("GET", list_path("?status=online&limit=5"));
    REQUIRE(swapped.status == 200);
    CHECK(swapped.header("X-Cache") == "HIT");
    CHECK(swapped.body == first.body);

    CHECK(s.x_cache(list_path("")) == "MISS");
    CHECK(s.x_cache(list_path("?limit=100&offset=0")) == "HIT");
    CHECK(s.x_cache(list_path("?offset=0&limit=100")) == "HIT");
    CHECK(s.x_cache(list_path("?limit=100")) == "HIT");
    CHECK(s.keys("workstations:list:*").size() == 2);

    // Other parameters are other keys.
    auto const offline = s.call("GET", list_path("?status=offline&limit=5"));
    CHECK(offline.header("X-Cache") == "MISS");
    CHECK(offline.json().at("total") == 1);
    CHECK(s.x_cache(list_path("?limit=5")) == "MISS");
    CHECK(s.keys("workstations:list:*").size() == 4);
  }

  TEST_CASE("a hit does no database work") {
    cache_server const s;
    auto const id = s.create("ws-a");
    CHECK(s.x_cache(item_path(id)) == "MISS");
    CHECK(s.x_cache(list_path("?status=online")) == "MISS");

    auto const before = s.quiet_queries();
    CHECK(s.queries() == before);  // the metrics call itself costs nothing
    for (int i = 0; i < 25; ++i) {
      CHECK(s.x_cache(item_path(id)) == "HIT");
      CHECK(s.x_cache(list_path("?status=online")) == "HIT");
    }
    CHECK(s.queries() == before);

    // The counter is live: a miss queries.
    CHECK(s.call("POST", clear_path).status == 200);
    CHECK(s.x_cache(item_path(id)) == "MISS");
    CHECK(s.queries() > before);
  }

  TEST_CASE("auth and roles are still checked on a hit") {
    cache_server const s;
    auto const id = s.create("ws-secret");
    auto const viewer = s.user_token("viewer");
    for (auto const& target : {item_path(id), list_path("")}) {
      CAPTURE(target);
      warm(s, target);
      auto const no_token = s.anonymous("GET", target);
      check_unauthorized(no_token);
      CHECK(no_token.body.find("ws-secret") == std::string::npos);
      check_unauthorized(s.anonymous("GET", target, {{"Authorization", "Bearer not-a-jwt"}}));
      // A character well inside the signature (the last one has padding bits).
      auto tampered = viewer;
      auto& c = tampered[tampered.size() - 10];
      c = c == 'A' ? 'B' : 'A';
      check_unauthorized(s.anonymous("GET", target, {wsd::test::bearer(tampered)}));
      check_unauthorized(s.anonymous("GET", target, {{"Authorization", "Basic YWRtaW46eA=="}}));

      auto const as_viewer = s.anonymous("GET", target, {wsd::test::bearer(viewer)});
      CHECK(as_viewer.status == 200);
      CHECK(as_viewer.header("X-Cache") == "HIT");
    }
  }

  TEST_CASE("an expired token is refused on a hit") {
    // exp = iat + 2 with iat in whole seconds: each token lives at least 1 s,
    // so each step below logs in afresh.
    cache_server const s({"auth.token_ttl_seconds=2"});
    auto const login = [&] {
      return wsd::test::login(s.port(), "admin", wsd::test::test_admin_password);
    };
    auto const made =
        s.call_as(login(), "POST", collection, R"({"name":"ws-a","host":"10.0.0.1","port":22})");
    REQUIRE(made.status == 201);
    auto const target = item_path(integer(made.json().as_object(), "id"));
    auto const warming = login();
    CHECK(s.call_as(warming, "GET", target).header("X-Cache") == "MISS");
    CHECK(s.call_as(warming, "GET", target).header("X-Cache") == "HIT");

    auto const issued = steady::now();
    auto const token = login();
    auto const fresh = s.call_as(token, "GET", target);
    CHECK(fresh.status == 200);
    CHECK(fresh.header("X-Cache") == "HIT");
    http_response last;
    bool const refused = wsd::test::eventually(
        [&] {
          last = s.call_as(token, "GET", target);
          return last.status != 200;
        },
        5s, 25ms);
    CHECK(refused);
    check_unauthorized(last);
    CHECK(steady::now() - issued >= 1s);
  }

  TEST_CASE("read-your-writes: each PATCH, POST and DELETE shows in the next GET") {
    cache_server const s;
    auto const anchor = s.create("ws-anchor", "online");
    std::vector<std::string> const lists{list_path(""), list_path("?status=online"),
                                         list_path("?tag=rack&limit=1000")};
    auto const warm_all = [&](std::int64_t id) {
      warm(s, item_path(id));
      for (auto const& l : lists) warm(s, l);
    };
    for (int round = 0; round < 6; ++round) {
      CAPTURE(round);
      auto const online = round % 2 == 1;
      auto const description = "round-" + std::to_string(round);
      warm_all(anchor);
      json::object const changes{{"description", description},
                                 {"status", online ? "online" : "offline"}};
      auto const patched = s.call("PATCH", item_path(anchor), json::serialize(changes));
      INFO("PATCH -> " << patched.status << " " << patched.body);
      REQUIRE(patched.status == 200);
      auto const after = s.call("GET", item_path(anchor));
      REQUIRE(after.status == 200);
      CHECK(after.header("X-Cache") == "MISS");
      CHECK(after.json() == patched.json());
      CHECK(after.header("ETag") == patched.header("ETag"));
      CHECK(contains(ids_in(s.get_object(lists[0])), anchor));
      CHECK(contains(ids_in(s.get_object(lists[1])), anchor) == online);
      auto const tagged = s.get_object(lists[2]);
      for (auto const& w : tagged.at("items").as_array())
        if (integer(w.as_object(), "id") == anchor)
          CHECK(w.at("description") == json::value(description));

      warm_all(anchor);
      auto const added = s.create("ws-round-" + std::to_string(round), "online");
      CHECK(s.x_cache(item_path(added)) == "MISS");
      for (auto const& l : lists) {
        CAPTURE(l);
        auto const page = s.get_object(l);
        CHECK(contains(ids_in(page), added));
      }

      warm_all(added);
      auto const total_before = integer(s.get_object(lists[0]), "total");
      CHECK(s.call("DELETE", item_path(added)).status == 204);
      check_error(s.call("GET", item_path(added)), 404, "not_found");
      for (auto const& l : lists) {
        CAPTURE(l);
        CHECK_FALSE(contains(ids_in(s.get_object(l)), added));
      }
      CHECK(integer(s.get_object(lists[0]), "total") == total_before - 1);
    }
  }

  TEST_CASE("a PATCH racing cached reads: the GET after it never shows the old version") {
    cache_server const s;
    auto const id = s.create("ws-raced");
    std::atomic<bool> done{false};
    std::atomic<int> reader_failures{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 2; ++r) {
      readers.emplace_back([&] {
        while (!done.load()) {
          try {
            if (s.call("GET", item_path(id)).status != 200) ++reader_failures;
          } catch (std::exception const&) {
            ++reader_failures;
          }
        }
      });
    }
    for (int round = 0; round < 40; ++round) {
      CAPTURE(round);
      auto const patched =
          s.call("PATCH", item_path(id), json::serialize(json::object{{"port", 1000 + round}}));
      REQUIRE(patched.status == 200);
      auto const version = integer(patched.json().as_object(), "version");
      auto const after = s.call("GET", item_path(id));
      REQUIRE(after.status == 200);
      CHECK(integer(after.json().as_object(), "version") == version);
      CHECK(after.header("ETag") == patched.header("ETag"));
    }
    done = true;
    for (auto& t : readers) t.join();
    CHECK(reader_failures.load() == 0);
  }

  TEST_CASE("admin endpoints: 401 without a valid token, 403 for operator and viewer") {
    cache_server const s;
    auto const id = s.create("ws-a");
    warm(s, item_path(id));
    std::array<std::pair<std::string_view, std::string_view>, 6> const endpoints{{
        {"GET", stats_path},
        {"POST", clear_path},
        {"POST", "/api/performance/cache-invalidate?pattern=*"},
        {"GET", "/api/performance/cache-keys?pattern=*&limit=10"},
        {"GET", metrics_path},
        {"GET", prometheus_path},
    }};
    std::map<std::string_view, std::string> const below_admin{
        {"viewer", s.user_token("viewer")}, {"operator", s.user_token("operator")}};
    for (auto const& [method, target] : endpoints) {
      CAPTURE(target);
      check_unauthorized(s.anonymous(method, target));
      check_unauthorized(s.anonymous(method, target, {{"Authorization", "Bearer x.y.z"}}));
      for (auto const& [role, token] : below_admin) {
        CAPTURE(role);
        check_error(s.anonymous(method, target, {wsd::test::bearer(token)}), 403, "forbidden");
      }
    }
    // Nothing was cleared or invalidated by the refused calls.
    CHECK(s.x_cache(item_path(id)) == "HIT");
    for (auto const& [method, target] : endpoints) {
      CAPTURE(target);
      CHECK(s.call(method, target).status == 200);
    }
  }

  TEST_CASE("cache-stats figures follow the traffic") {
    cache_server const s({"cache.shards=4"});
    auto const a = s.create("ws-a");
    auto const b = s.create("ws-b");
    auto const initial = s.stats();
    check_stats_shape(initial);
    CHECK(integer(initial, "shards") == 4);
    CHECK(integer(initial, "capacity_bytes") == default_max_bytes);
    for (auto const field : {"entries", "bytes", "hits", "misses", "evictions", "expirations"}) {
      CAPTURE(field);
      CHECK(integer(initial, field) == 0);
    }
    CHECK(number(initial, "hit_rate") == 0.0);

    CHECK(s.x_cache(item_path(a)) == "MISS");
    for (int i = 0; i < 3; ++i) CHECK(s.x_cache(item_path(a)) == "HIT");
    CHECK(s.x_cache(item_path(b)) == "MISS");
    CHECK(s.x_cache(list_path("")) == "MISS");
    CHECK(s.x_cache(list_path("")) == "HIT");
    auto const after = s.stats();
    check_stats_shape(after);
    CHECK(integer(after, "hits") == 4);
    CHECK(integer(after, "misses") == 3);
    CHECK(integer(after, "entries") == 3);
    // Written as people write numbers, rounded to 4 decimals: never 5.714285714285714E-1.
    CHECK(number(after, "hit_rate") == doctest::Approx(4.0 / 7.0).epsilon(1e-3));
    CHECK(s.call("GET", stats_path).body.find(R"("hit_rate":0.5714,)") != std::string::npos);
    for (auto const target : {stats_path, metrics_path, prometheus_path}) {
      CAPTURE(target);
      auto const body = s.call("GET", target).body;
      // No exponent: a digit followed by e/E and a sign or a digit.
      bool exponent = false;
      for (std::size_t i = 1; i + 1 < body.size(); ++i)
        exponent = exponent || (std::isdigit(static_cast<unsigned char>(body[i - 1])) &&
                                (body[i] == 'e' || body[i] == 'E') &&
                                (body[i + 1] == '-' || body[i + 1] == '+' ||
                                 std::isdigit(static_cast<unsigned char>(body[i + 1]))));
      CHECK_FALSE(exponent);
    }
    CHECK(integer(after, "bytes") > 0);
    std::int64_t listed_bytes = 0;
    for (auto const& k : s.keys("*")) listed_bytes += integer(k, "bytes");
    CHECK(integer(after, "bytes") == listed_bytes);

    // The seed requirement: repeated GETs hit more than 80 % of the time.
    for (int i = 0; i < 10; ++i)
      for (auto const& target : {item_path(a), item_path(b), list_path("")}) s.x_cache(target);
    auto const repeated = s.stats();
    check_stats_shape(repeated);
    CHECK(number(repeated, "hit_rate") > 0.8);
    CHECK(integer(repeated, "hits") == 34);

    // A write removes its item and every list.
    auto const invalidations = integer(repeated, "invalidations");
    CHECK(s.call("PATCH", item_path(a), R"({"port":22})").status == 200);
    auto const written = s.stats();
    CHECK(integer(written, "invalidations") == invalidations + 2);
    CHECK(integer(written, "entries") == 1);
  }

  TEST_CASE("cache-clear removes every entry and reports how many") {
    cache_server const s;
    std::vector<std::int64_t> ids;
    for (auto const* name : {"ws-1", "ws-2", "ws-3"}) ids.push_back(s.create(name));
    for (auto const id : ids) warm(s, item_path(id));
    warm(s, list_path(""));
    auto const before = s.stats();
    CHECK(integer(before, "entries") == 4);

    auto const cleared = s.call("POST", clear_path);
    INFO("clear -> " << cleared.status << " " << cleared.body);
    REQUIRE(cleared.status == 200);
    CHECK(cleared.header("Content-Type").starts_with("application/json"));
    auto const body = cleared.json().as_object();
    CHECK(body.at("status") == "success");
    CHECK(integer(body, "entries_removed") == integer(before, "entries"));

    auto const after = s.stats();
    CHECK(integer(after, "entries") == 0);
    CHECK(integer(after, "bytes") == 0);
    CHECK(integer(after, "invalidations") == integer(before, "invalidations") + 4);
    for (auto const id : ids) CHECK(s.x_cache(item_path(id)) == "MISS");
    CHECK(s.x_cache(list_path("")) == "MISS");

    CHECK(integer(s.call("POST", clear_path).json().as_object(), "entries_removed") == 4);
    CHECK(integer(s.call("POST", clear_path).json().as_object(), "entries_removed") == 0);
  }

  TEST_CASE("cache-invalidate by ?pattern= and by JSON body") {
    cache_server const s;
    std::vector<std::int64_t> ids;
    for (auto const* name : {"ws-1", "ws-2", "ws-3"}) ids.push_back(s.create(name));
    std::vector<std::string> const lists{list_path(""), list_path("?status=online")};
    auto const warm_all = [&] {
      for (auto const id : ids) warm(s, item_path(id));
      for (auto const& l : lists) warm(s, l);
    };
    auto const invalidated = [](http_response const& r, std::string_view pattern) {
      INFO("invalidate -> " << r.status << " " << r.body);
      REQUIRE(r.status == 200);
      auto const body = r.json().as_object();
      CHECK(body.at("status") == "success");
      CHECK(body.at("pattern") == json::value(pattern));
      return integer(body, "invalidated");
    };

    SUBCASE("item keys by query; lists stay cached") {
      warm_all();
      auto const p = "workstations:item:*";
      CHECK(invalidated(s.call("POST", std::string(invalidate_path) + "?pattern=" + p), p) == 3);
      for (auto const id : ids) CHECK(s.x_cache(item_path(id)) == "MISS");
      for (auto const& l : lists) CHECK(s.x_cache(l) == "HIT");
    }
    SUBCASE("list keys by JSON body; items stay cached") {
      warm_all();
      auto const p = "workstations:list:*";
      auto const body = json::serialize(json::object{{"pattern", p}});
      CHECK(invalidated(s.call("POST", invalidate_path, body), p) == 2);
      for (auto const& l : lists) CHECK(s.x_cache(l) == "MISS");
      for (auto const id : ids) CHECK(s.x_cache(item_path(id)) == "HIT");
    }
    SUBCASE("one exact key, and `?` standing for one character") {
      warm_all();
      auto const exact = item_key(ids[0]);
      CHECK(invalidated(s.call("POST", std::string(invalidate_path) + "?pattern=" + exact),
                        exact) == 1);
      CHECK(s.x_cache(item_path(ids[0])) == "MISS");
      CHECK(s.x_cache(item_path(ids[1])) == "HIT");

      // ids 1..3 on a fresh database: one `?` per digit matches all three.
      auto const single = "workstations:item:" + std::string(std::to_string(ids[0]).size(), '?');
      auto const query = std::string(invalidate_path) + "?pattern=" + encode(single);
      CHECK(invalidated(s.call("POST", query), single) == 3);
      CHECK(s.x_cache(lists[0]) == "HIT");
      auto const none = "workstations:item:" + std::string(5, '?');
      CHECK(invalidated(s.call("POST", std::string(invalidate_path) + "?pattern=" + encode(none)),
                        none) == 0);
    }
    SUBCASE("the counter adds up the removed entries") {
      warm_all();
      auto const before = integer(s.stats(), "invalidations");
      CHECK(invalidated(s.call("POST", std::string(invalidate_path) + "?pattern=*"), "*") == 5);
      CHECK(integer(s.stats(), "invalidations") == before + 5);
      CHECK(integer(s.stats(), "entries") == 0);
    }
  }

  TEST_CASE("cache-invalidate and cache-keys refuse bad patterns with 400") {
    cache_server const s;
    auto const id = s.create("ws-a");
    warm(s, item_path(id));
    auto const path = std::string(invalidate_path);
    std::string const longest(256, '*');
    std::string const too_long(257, '*');
    std::vector<std::pair<std::string, std::string>> const refused{
        {path, ""},
        {path + "?pattern=", ""},
        {path + "?pattern=" + too_long, ""},
        {path + "?pattern=%01", ""},
        {path + "?pattern=a%7F", ""},
        {path + "?pattern=%C3%A9", ""},
        {path + "?pattern=%zz", ""},
        {path, R"({"pattern":""})"},
        {path, json::serialize(json::object{{"pattern", too_long}})},
        {path, R"({"pattern":"a\u0001"})"},
        {path, R"({"pattern":"caf\u00e9"})"},
        {path, R"({"pattern":5})"},
        {path, R"({"other":"*"})"},
        {path, "not json"},
    };
    for (auto const& [target, body] : refused) {
      CAPTURE(target);
      CAPTURE(body);
      check_error(s.call("POST", target, body), 400, "bad_request");
    }
    CHECK(s.x_cache(item_path(id)) == "HIT");

    for (auto const& bad : {std::string("%01"), too_long, std::string()}) {
      CAPTURE(bad);
      check_error(s.call("GET", std::string(keys_path) + "?pattern=" + bad), 400, "bad_request");
    }
    // A body without a JSON content type is 415, even beside ?pattern=.
    check_error(s.call("POST", path + "?pattern=*", "*", {{"Content-Type", "text/plain"}}), 415,
                "unsupported_media_type");
    CHECK(s.x_cache(item_path(id)) == "HIT");

    // 256 bytes is still a pattern (it matches every key).
    auto const at_limit = s.call("POST", path + "?pattern=" + longest);
    CHECK(at_limit.status == 200);
    CHECK(integer(at_limit.json().as_object(), "invalidated") == 1);
  }

  TEST_CASE("cache-keys lists keys with their age, ttl and size and honours limit") {
    cache_server const s;
    std::vector<std::int64_t> ids;
    std::map<std::string, std::size_t> body_size;
    for (auto const* name : {"ws-1", "ws-2", "ws-3"}) ids.push_back(s.create(name));
    for (auto const& target : {item_path(ids[0]), item_path(ids[1]), item_path(ids[2])}) {
      auto const r = s.call("GET", target);
      body_size[item_key(integer(r.json().as_object(), "id"))] = r.body.size();
    }
    CHECK(s.x_cache(list_path("")) == "MISS");

    auto const all = s.keys("*");
    CHECK(all.size() == 4);
    std::vector<std::string> names;
    std::int64_t total_bytes = 0;
    for (auto const& k : all) {
      INFO("key: " << json::serialize(k));
      REQUIRE(k.at("key").is_string());
      names.emplace_back(k.at("key").as_string());
      CHECK(integer(k, "age_seconds") >= 0);
      CHECK(integer(k, "age_seconds") <= 60);
      CHECK(integer(k, "ttl_seconds") > 240);
      CHECK(integer(k, "ttl_seconds") <= 300);
      CHECK(integer(k, "bytes") > 0);
      total_bytes += integer(k, "bytes");
      if (auto const it = body_size.find(names.back()); it != body_size.end())
        CHECK(static_cast<std::size_t>(integer(k, "bytes")) >= it->second);
    }
    CHECK(std::is_sorted(names.begin(), names.end()));
    CHECK(std::count_if(names.begin(), names.end(), [](std::string const& n) {
            return n.starts_with("workstations:list:");
          }) == 1);
    CHECK(std::set<std::string>(names.begin(), names.end() - 1) ==
          std::set<std::string>{item_key(ids[0]), item_key(ids[1]), item_key(ids[2])});
    CHECK(total_bytes == integer(s.stats(), "bytes"));

    auto const two = s.keys("workstations:item:*", 2);
    REQUIRE(two.size() == 2);
    CHECK(two[0].at("key") == json::value(names[0]));
    CHECK(two[1].at("key") == json::value(names[1]));
    CHECK(s.keys("workstations:item:*", 1).size() == 1);
    CHECK(s.keys("workstations:item:*").size() == 3);
    CHECK(s.keys("workstations:list:*", 10).size() == 1);
    CHECK(s.keys("nothing:*").empty());

    for (auto const* bad : {"0", "-1", "abc", "10001", ""}) {
      CAPTURE(bad);
      check_error(s.call("GET", std::string(keys_path) + "?pattern=*&limit=" + bad), 422,
                  "validation_failed");
    }
  }

  TEST_CASE("an entry expires after cache.ttl_seconds") {
    SUBCASE("the GET after the TTL is a MISS again") {
      cache_server const s({"cache.ttl_seconds=1"});
      auto const id = s.create("ws-a");
      auto const loaded = steady::now();
      CHECK(s.x_cache(item_path(id)) == "MISS");
      auto const held = s.keys("workstations:item:*");
      REQUIRE(held.size() == 1);
      CHECK(integer(held[0], "ttl_seconds") <= 1);
      std::string last;
      bool const expired = wsd::test::eventually(
          [&] {
            last = s.x_cache(item_path(id));
            return last == "MISS";
          },
          5s, 25ms);
      CHECK(expired);
      CHECK(steady::now() - loaded >= 1s);
    }
    SUBCASE("the sweep removes expired entries and counts them") {
      cache_server const s(
          {"cache.ttl_seconds=1", "cache.max_stale_seconds=0", "cache.sweep_interval_ms=50"});
      auto const id = s.create("ws-a");
      CHECK(s.x_cache(item_path(id)) == "MISS");
      CHECK(s.x_cache(list_path("")) == "MISS");
      json::object last;
      bool const swept = wsd::test::eventually(
          [&] {
            last = s.stats();
            return integer(last, "entries") == 0;
          },
          5s, 25ms);
      INFO("stats: " << json::serialize(last));
      CHECK(swept);
      CHECK(integer(last, "expirations") == 2);
      CHECK(integer(last, "bytes") == 0);
      CHECK(s.x_cache(item_path(id)) == "MISS");
    }
  }

  TEST_CASE("the byte budget evicts the least recently used entries") {
    cache_server const s({"cache.max_bytes=4096", "cache.shards=1"});
    std::string const description(200, 'x');
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 25; ++i)
      ids.push_back(s.create("ws-" + std::to_string(100 + i), "online", description));
    // ids[10..] have two-digit ids, so every entry that survives the scan
    // below has the same size.
    for (std::size_t i = 0; i < 24; ++i) CHECK(s.x_cache(item_path(ids[i])) == "MISS");

    auto const full = s.stats();
    check_stats_shape(full);
    CHECK(integer(full, "capacity_bytes") == 4096);
    CHECK(integer(full, "evictions") > 0);
    CHECK(integer(full, "bytes") <= 4096);
    auto const entries = integer(full, "entries");
    CHECK(entries > 1);
    CHECK(entries < 24);
    CHECK(integer(full, "evictions") == 24 - entries);

    // A scan keeps its tail.
    auto const held = s.held_items();
    CHECK(static_cast<std::int64_t>(held.size()) == entries);
    std::set<std::int64_t> const tail(ids.begin() + (24 - entries), ids.begin() + 24);
    CHECK(held == tail);

    // Touching the oldest entry makes its neighbour the one to go.
    REQUIRE(held.size() >= 2);
    auto const oldest = *held.begin();
    auto const next_oldest = *std::next(held.begin());
    CHECK(s.x_cache(item_path(oldest)) == "HIT");
    CHECK(s.x_cache(item_path(ids[24])) == "MISS");
    auto const after = s.held_items();
    CHECK(after.contains(oldest));
    CHECK_FALSE(after.contains(next_oldest));
    CHECK(after.contains(ids[24]));
    CHECK(integer(s.stats(), "bytes") <= 4096);
  }

  TEST_CASE("cache.enabled=false: every GET is a MISS that queries the database") {
    cache_server const s({"cache.enabled=false"});
    auto const id = s.create("ws-a");
    std::string etag;
    for (auto const& target : {item_path(id), list_path("")}) {
      CAPTURE(target);
      for (int i = 0; i < 4; ++i) {
        auto const before = s.quiet_queries();
        auto const r = s.call("GET", target);
        CHECK(r.status == 200);
        CHECK(r.header("X-Cache") == "MISS");
        CHECK(s.queries() > before);
        if (target == item_path(id)) {
          if (etag.empty()) etag = r.header("ETag");
          CHECK(r.header("ETag") == etag);
        }
      }
    }
    CHECK(s.call("GET", item_path(id), {}, {{"If-None-Match", etag}}).status == 304);
    CHECK(s.call("PATCH", item_path(id), R"({"port":22})").status == 200);
    CHECK(s.get_object(item_path(id)).at("port") == 22);

    auto const stats = s.stats();
    check_stats_shape(stats);
    CHECK(integer(stats, "entries") == 0);
    CHECK(integer(stats, "hits") == 0);
    CHECK(integer(s.call("POST", clear_path).json().as_object(), "entries_removed") == 0);
    auto const inv = s.call("POST", std::string(invalidate_path) + "?pattern=*");
    CHECK(inv.status == 200);
    CHECK(integer(inv.json().as_object(), "invalidated") == 0);
    CHECK(s.keys("*").empty());
  }

  TEST_CASE("metrics: every section of the SPEC with figures that match the traffic") {
    cache_server const s;
    auto const id = s.create("ws-a");
    for (int i = 0; i < 3; ++i) s.x_cache(item_path(id));
    check_error(s.call("GET", item_path(id + 100)), 404, "not_found");
    check_unauthorized(s.anonymous("GET", item_path(id)));

    // A request is counted just after its response is written: wait for all seven.
    json::object m;
    CHECK(wsd::test::eventually(
        [&] {
          m = s.metrics();
          return integer(object_at(m, "requests"), "total") >= 7;
        },
        5s, 25ms));
    INFO("metrics: " << json::serialize(m));
    CHECK(integer(m, "uptime_seconds") >= 0);

    auto const& requests = object_at(m, "requests");
    auto const total = integer(requests, "total");
    CHECK(integer(requests, "in_flight") >= 1);  // this very request
    auto const& by_status = object_at(requests, "by_status");
    std::int64_t summed = 0;
    for (auto const& [code, n] : by_status) {
      CAPTURE(std::string(code));
      CHECK(n.is_number());
      summed += n.to_number<std::int64_t>();
    }
    CHECK(summed == total);
    CHECK(integer(by_status, "200") >= 4);  // login and three GETs
    CHECK(integer(by_status, "201") == 1);
    CHECK(integer(by_status, "404") == 1);
    CHECK(integer(by_status, "401") == 1);
    auto const check_latency = [](json::object const& latency) {
      auto const p50 = number(latency, "p50");
      auto const p90 = number(latency, "p90");
      auto const p99 = number(latency, "p99");
      auto const max = number(latency, "max");
      CHECK(p50 >= 0);
      CHECK(p50 <= p90);
      CHECK(p90 <= p99);
      CHECK(p99 <= max);
    };
    auto const& request_latency = object_at(requests, "latency_ms");
    check_latency(request_latency);
    CHECK(number(request_latency, "max") > 0);

    auto const& cache = object_at(m, "cache");
    check_stats_shape(cache);
    auto const stats = s.stats();
    for (auto const field : stats_fields) {
      CAPTURE(field);
      CHECK(cache.at(field) == stats.at(field));
    }
    CHECK(integer(cache, "hits") == 2);
    CHECK(integer(cache, "misses") == 2);  // the first GET and the 404

    auto const& database = object_at(m, "database");
    CHECK(database.at("backend") == "sqlite3");
    CHECK(integer(database, "pool_size") == 4);
    CHECK(integer(database, "in_use") == 0);
    CHECK(integer(database, "queries") > 0);
    CHECK(integer(database, "errors") == 0);
    check_latency(object_at(database, "latency_ms"));

    auto const& breaker = object_at(m, "circuit_breaker");
    CHECK(breaker.at("state") == "closed");
    CHECK(integer(breaker, "failures") == 0);
    CHECK(integer(breaker, "opened_count") == 0);
    REQUIRE(breaker.contains("last_opened_at"));
    CHECK(breaker.at("last_opened_at").is_null());

    auto const& connections = object_at(m, "connections");
    CHECK(integer(connections, "active") >= 1);
    // Every request here came on a connection of its own.
    CHECK(integer(connections, "accepted") >= total + 1);
  }

  TEST_CASE("GET /metrics is Prometheus text exposition of the same figures") {
    cache_server const s;
    auto const id = s.create("ws-a");
    for (int i = 0; i < 3; ++i) s.x_cache(item_path(id));
    check_unauthorized(s.anonymous("GET", prometheus_path));

    auto const r = s.call("GET", prometheus_path);
    REQUIRE(r.status == 200);
    CHECK(lower(r.header("Content-Type")).starts_with("text/plain; version=0.0.4"));
    INFO("exposition:\n" << r.body);
    auto const e = parse_exposition(r.body);
    for (auto const& problem : e.problems) FAIL_CHECK(problem);
    CHECK(!e.samples.empty());
    for (auto const& [name, type] : e.types) {
      CAPTURE(name);
      CHECK(std::set<std::string>{"counter", "gauge", "histogram"}.contains(type));
      if (type == "counter") CHECK(name.ends_with("_total"));
      CHECK(std::any_of(e.samples.begin(), e.samples.end(),
                        [&](sample const& x) { return family_of(x.name, e.types) == name; }));
    }
    for (auto const* name : {"wsd_http_requests_total", "wsd_cache_hits_total",
                             "wsd_cache_misses_total", "wsd_db_queries_total"}) {
      CAPTURE(name);
      CHECK(e.types.contains(name));
    }
    check_histogram(e, "wsd_http_request_duration_seconds");
    check_histogram(e, "wsd_db_call_duration_seconds");
    CHECK(value_of(e, "wsd_http_requests_total", "code=\"201\"") == 1.0);

    auto const stats = s.stats();
    CHECK(value_of(e, "wsd_cache_hits_total") == static_cast<double>(integer(stats, "hits")));
    CHECK(value_of(e, "wsd_cache_misses_total") == static_cast<double>(integer(stats, "misses")));
    CHECK(value_of(e, "wsd_cache_entries") == static_cast<double>(integer(stats, "entries")));
  }

  TEST_CASE("metrics.public=true opens /metrics to anyone, and only /metrics") {
    cache_server const s({"metrics.public=true"});
    auto const open = s.anonymous("GET", prometheus_path);
    CHECK(open.status == 200);
    CHECK(lower(open.header("Content-Type")).starts_with("text/plain; version=0.0.4"));
    CHECK(open.body.find("# TYPE wsd_http_requests_total counter") != std::string::npos);
    check_unauthorized(s.anonymous("GET", metrics_path));
    check_unauthorized(s.anonymous("GET", stats_path));
  }

  TEST_CASE("concurrent misses on one key make one load (single-flight)") {
    cache_server const s;
    auto const a = s.create("ws-a");
    auto const b = s.create("ws-b");
    auto const q0 = s.quiet_queries();
    CHECK(s.x_cache(item_path(b)) == "MISS");
    auto const q1 = s.quiet_queries();
    auto const per_load = q1 - q0;
    REQUIRE(per_load >= 1);

    constexpr int clients = 20;
    std::vector<http_response> responses(clients);
    std::vector<std::string> errors(clients);
    std::latch start(clients);
    std::vector<std::thread> threads;
    auto const token = wsd::test::login(s.port(), "admin", wsd::test::test_admin_password);
    auto const q_after_login = s.quiet_queries();
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([&, i] {
        bool arrived = false;
        try {
          http_client client(s.port());
          arrived = true;
          start.arrive_and_wait();
          responses[i] = client.request("GET", item_path(a), {}, {wsd::test::bearer(token)});
        } catch (std::exception const& ex) {
          if (!arrived) start.count_down();
          errors[i] = ex.what();
        }
      });
    }
    for (auto& t : threads) t.join();
    int misses = 0;
    for (int i = 0; i < clients; ++i) {
      CAPTURE(i);
      CHECK(errors[i].empty());
      CHECK(responses[i].status == 200);
      CHECK(responses[i].body == responses[0].body);
      CHECK(responses[i].header("ETag") == responses[0].header("ETag"));
      if (responses[i].header("X-Cache") == "MISS") ++misses;
    }
    CHECK(misses >= 1);
    CHECK(s.quiet_queries() - q_after_login == per_load);
  }
}
