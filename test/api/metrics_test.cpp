// Black-box tests of the metrics (SPEC.md /api/performance/metrics and
// /metrics): every section with figures that match the traffic, the
// Prometheus text exposition of the same figures, and metrics.public. The
// real wsd binary on an ephemeral port with a temporary SQLite database.
#include "support/await.hpp"
#include "support/cache_server.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace json = boost::json;
using namespace wsd::test;  // cache_server, the paths and the JSON readers
using namespace std::chrono_literals;

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

TEST_SUITE("metrics api") {
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
        30s, 25ms));
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
}
