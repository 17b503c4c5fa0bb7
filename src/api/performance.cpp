#include "wsd/api/performance.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "wsd/api/representation.hpp"
#include "wsd/auth/hash_pool.hpp"
#include "wsd/cache/glob.hpp"
#include "wsd/cache/sharded_cache.hpp"
#include "wsd/db/change_feed.hpp"
#include "wsd/db/database.hpp"
#include "wsd/log/logger.hpp"
#include "wsd/util/percent.hpp"

namespace wsd::api::performance {

namespace json = boost::json;

namespace {

constexpr std::size_t default_key_limit = 100;
constexpr std::size_t max_key_limit = 10000;

// Every double wsd writes, in JSON and in the Prometheus text, goes through
// here so that people read "0.5" and "0.8333" where Boost.JSON would write
// 5E-1 and 8.333333333333334E-1: fixed notation, rounded to `decimals`
// places, trailing zeros dropped. JSON figures are ratios and milliseconds
// (4 places: 0.1 us); Prometheus figures are seconds (9 places: 1 ns).
void append_number(std::string& out, double v, int decimals) {
  if (!std::isfinite(v)) {
    out += std::isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  auto const [end, ec] =
      std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  std::string_view text(buf, ec == std::errc{} ? static_cast<std::size_t>(end - buf) : 0);
  if (text.find('.') != std::string_view::npos) {
    while (text.ends_with('0')) text.remove_suffix(1);
    if (text.ends_with('.')) text.remove_suffix(1);
  }
  if (text == "-0") text = "0";
  out += text.empty() ? "0" : text;
}

constexpr int json_decimals = 4;
constexpr int prometheus_decimals = 9;

// json::serialize, but with doubles written by append_number (non-finite
// ones as null, which JSON can represent).
void write_json(std::string& out, json::value const& v) {
  switch (v.kind()) {
    case json::kind::double_:
      if (std::isfinite(v.get_double()))
        append_number(out, v.get_double(), json_decimals);
      else
        out += "null";
      return;
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (auto const& [key, value] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(key));
        out += ':';
        write_json(out, value);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (auto const& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write_json(out, item);
      }
      out += ']';
      return;
    }
    default:
      out += json::serialize(v);
  }
}

http::response json_reply(json::object const& o) {
  std::string body;
  write_json(body, o);
  return http::json_response(200, std::move(body));
}

json::object to_json(cache::shard_stats const& s) {
  return {{"entries", s.entries},
          {"bytes", s.bytes},
          {"capacity_bytes", s.capacity_bytes},
          {"hits", s.hits},
          {"misses", s.misses},
          {"hit_rate", s.hit_rate},
          {"stale", s.stale},
          {"evictions", s.evictions},
          {"expirations", s.expirations},
          {"invalidations", s.invalidations}};
}

boost::asio::awaitable<json::object> cache_figures(context& ctx) {
  if (!ctx.svc.cache) {
    auto o = to_json(cache::shard_stats{});
    o["shards"] = 0;
    o["enabled"] = false;
    co_return o;
  }
  auto const s = co_await ctx.svc.cache->statistics();
  auto o = to_json(s.total);
  o["shards"] = s.shards;
  o["enabled"] = true;
  co_return o;
}

json::object latency_ms(metrics::histogram::snapshot const& h) {
  auto ms = [&](double q) { return h.percentile_us(q) / 1000.0; };
  return {{"p50", ms(0.50)},
          {"p90", ms(0.90)},
          {"p99", ms(0.99)},
          {"max", static_cast<double>(h.max_us) / 1000.0}};
}

json::object request_figures(metrics::registry const& m) {
  // The total is the sum of the figures shown, so one snapshot always adds up even while
  // other threads record.
  json::object by_status;
  std::uint64_t total = 0;
  for (std::size_t code = 100; code < m.requests.by_status.size(); ++code)
    if (auto const n = m.requests.by_status[code].load(std::memory_order_relaxed)) {
      by_status[std::to_string(code)] = n;
      total += n;
    }
  return {{"total", total},
          {"in_flight", m.requests.in_flight.load()},
          {"by_status", std::move(by_status)},
          {"latency_ms", latency_ms(m.requests.latency.read())}};
}

json::object database_figures(context& ctx) {
  auto const& m = ctx.svc.metrics.database;
  return {{"backend", ctx.svc.database.backend_name()},
          {"pool_size", ctx.svc.database.pool_size()},
          {"in_use", m.in_use.load()},
          {"queries", m.queries.load()},
          {"errors", m.errors.load()},
          {"retried_reads", m.retried_reads.load()},
          {"pool_waits_timed_out", m.pool_waits_timed_out.load()},
          {"latency_ms", latency_ms(m.latency.read())}};
}

constexpr std::array all_doubts{db::doubt::listening_started, db::doubt::reconnected,
                                db::doubt::stalled};

std::string_view feed_state(metrics::change_feed_metrics const& f) {
  if (!f.enabled.load()) return "off";
  return f.listening.load() == 1 ? "listening" : "reconnecting";
}

// The LISTEN connection and how often coherence was in doubt, by cause.
json::object change_feed_figures(metrics::change_feed_metrics const& f) {
  json::object expirations;
  for (auto const why : all_doubts)
    expirations[db::to_string(why)] = f.expirations[static_cast<std::size_t>(why)].load();
  return {{"state", feed_state(f)},
          {"reconnects", f.reconnects.load()},
          {"expirations", std::move(expirations)}};
}

// Index order of metrics::compression_metrics.
constexpr std::array<std::string_view, 2> coding_names{"gzip", "br"};

json::object compression_figures(metrics::compression_metrics const& m) {
  json::object o;
  for (std::size_t i = 0; i < coding_names.size(); ++i)
    o[coding_names[i]] = json::object{{"bytes_in", m.bytes_in[i].load()},
                                      {"bytes_out", m.bytes_out[i].load()},
                                      {"variants", m.variants[i].load()},
                                      {"dynamic", m.dynamic[i].load()}};
  return o;
}

json::object breaker_figures(context& ctx) {
  return json::parse(db::to_json(ctx.svc.database.breaker().read())).as_object();
}

// The pattern from ?pattern= or a JSON body {"pattern": ...}, validated.
core::result<std::string> pattern_of(context& ctx) {
  auto const body = json_body(ctx.req, true);
  if (!body) return body.error();
  auto pattern = util::query_param(ctx.req.query, "pattern");
  if (!pattern)
    if (auto const* p = body->if_contains("pattern"); p && p->is_string())
      pattern = std::string(p->get_string());
  if (!pattern) return core::bad_request("a pattern is required (?pattern= or {\"pattern\":...})");
  if (auto const ok = cache::validate_pattern(*pattern); !ok)
    return core::bad_request("invalid pattern: " + ok.error());
  return std::move(*pattern);
}

}  // namespace

boost::asio::awaitable<reply> cache_stats(context& ctx) {
  co_return json_reply(co_await cache_figures(ctx));
}

boost::asio::awaitable<reply> cache_clear(context& ctx) {
  std::size_t removed = 0;
  if (ctx.svc.cache) removed = co_await ctx.svc.cache->clear();
  co_return json_reply({{"status", "success"}, {"entries_removed", removed}});
}

boost::asio::awaitable<reply> cache_invalidate(context& ctx) {
  auto const pattern = pattern_of(ctx);
  if (!pattern) co_return pattern.error();
  std::size_t removed = 0;
  if (ctx.svc.cache) removed = co_await ctx.svc.cache->invalidate_matching(*pattern);
  co_return json_reply({{"status", "success"}, {"pattern", *pattern}, {"invalidated", removed}});
}

boost::asio::awaitable<reply> cache_keys(context& ctx) {
  auto const pattern = util::query_param(ctx.req.query, "pattern").value_or("*");
  if (auto const ok = cache::validate_pattern(pattern); !ok)
    co_return core::bad_request("invalid pattern: " + ok.error());
  std::size_t limit = default_key_limit;
  if (auto const text = util::query_param(ctx.req.query, "limit")) {
    char* end = nullptr;
    auto const n = std::strtoull(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || n < 1 || n > max_key_limit)
      co_return core::validation_failed({{"limit", "must be an integer between 1 and 10000"}});
    limit = n;
  }
  json::array keys;
  std::vector<cache::key_info> found;
  if (ctx.svc.cache) found = co_await ctx.svc.cache->keys(pattern, limit);
  for (auto const& k : found)
    keys.push_back(json::object{{"key", k.key},
                                {"age_seconds", k.age_seconds},
                                {"ttl_seconds", k.ttl_seconds},
                                {"bytes", k.bytes}});
  co_return json_reply({{"keys", std::move(keys)}});
}

namespace {

json::object login_figures(context const& ctx) {
  auto const& l = ctx.svc.metrics.logins;
  auto const load = [](std::atomic<std::uint64_t> const& a) {
    return a.load(std::memory_order_relaxed);
  };
  return json::object{
      {"pending", ctx.svc.hashes.pending()},
      {"max_pending", ctx.svc.hashes.max_pending()},
      {"accepted", load(l.accepted)},
      {"rejected", l.rejected()},
      {"rejected_by_reason", json::object{{"bad_credentials", load(l.bad_credentials)},
                                          {"throttled", load(l.throttled)},
                                          {"overloaded", load(l.overloaded)}}}};
}

}  // namespace

boost::asio::awaitable<reply> metrics(context& ctx) {
  auto const& m = ctx.svc.metrics;
  auto const uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - m.started);
  auto cache = co_await cache_figures(ctx);
  json::object o{
      {"uptime_seconds", uptime.count()},
      {"requests", request_figures(m)},
      {"cache", std::move(cache)},
      {"database", database_figures(ctx)},
      {"circuit_breaker", breaker_figures(ctx)},
      {"change_feed", change_feed_figures(m.change_feed)},
      {"compression", compression_figures(m.compression)},
      {"connections", json::object{{"active", m.connections.active.load()},
                                   {"accepted", m.connections.accepted.load()},
                                   {"rejected", m.connections.rejected.load()}}},
      {"log", json::object{{"dropped", log::get().dropped()}}},
      {"logins", login_figures(ctx)},
  };
  co_return json_reply(o);
}

boost::asio::awaitable<reply> breaker_reset(context& ctx) {
  ctx.svc.database.breaker().reset();
  co_return json_reply(breaker_figures(ctx));
}

namespace {

// Prometheus text exposition format 0.0.4.
class exposition {
 public:
  void metric(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  template <class T>
  void sample(std::string_view name, T value, std::string_view labels = {}) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    if constexpr (std::is_floating_point_v<T>) {
      append_number(out_, value, prometheus_decimals);
    } else {
      out_ += std::to_string(value);
    }
    out_ += '\n';
  }
  template <class T>
  void single(std::string_view name, std::string_view type, std::string_view help, T value) {
    metric(name, type, help);
    sample(name, value);
  }
  // One sample per coding of a compression_metrics counter array.
  void by_coding(std::string_view name, std::string_view help,
                 std::array<std::atomic<std::uint64_t>, 2> const& values) {
    metric(name, "counter", help);
    for (std::size_t i = 0; i < coding_names.size(); ++i)
      sample(name, values[i].load(), "encoding=\"" + std::string(coding_names[i]) + "\"");
  }
  void histogram(std::string_view name, std::string_view help,
                 metrics::histogram::snapshot const& h) {
    metric(name, "histogram", help);
    std::string const bucket = std::string(name) + "_bucket";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < metrics::histogram::bounds_us.size(); ++i) {
      cumulative += h.counts[i];
      std::string le = "le=\"";
      append_number(le, static_cast<double>(metrics::histogram::bounds_us[i]) / 1e6,
                    prometheus_decimals);
      le += '"';
      sample(bucket, cumulative, le);
    }
    sample(bucket, h.count, "le=\"+Inf\"");
    sample(std::string(name) + "_sum", static_cast<double>(h.sum_us) / 1e6);
    sample(std::string(name) + "_count", h.count);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

boost::asio::awaitable<reply> prometheus(context& ctx) {
  auto const& m = ctx.svc.metrics;
  exposition e;
  e.single(
      "wsd_uptime_seconds", "gauge", "Seconds since the server started.",
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - m.started)
          .count());
  e.metric("wsd_http_requests_total", "counter", "HTTP requests answered, by status code.");
  for (std::size_t code = 100; code < m.requests.by_status.size(); ++code)
    if (auto const n = m.requests.by_status[code].load(std::memory_order_relaxed))
      e.sample("wsd_http_requests_total", n, "code=\"" + std::to_string(code) + "\"");
  e.single("wsd_http_requests_in_flight", "gauge", "Requests being handled.",
           m.requests.in_flight.load());
  e.histogram("wsd_http_request_duration_seconds", "Time from request headers to response sent.",
              m.requests.latency.read());

  auto const c = co_await cache_figures(ctx);
  auto num = [&](char const* k) { return c.at(k).to_number<double>(); };
  e.single("wsd_cache_hits_total", "counter", "Cache lookups answered fresh.", num("hits"));
  e.single("wsd_cache_misses_total", "counter", "Cache lookups not answered fresh.", num("misses"));
  e.single("wsd_cache_entries", "gauge", "Entries held.", num("entries"));
  e.single("wsd_cache_bytes", "gauge", "Bytes held.", num("bytes"));
  e.single("wsd_cache_capacity_bytes", "gauge", "Byte budget.", num("capacity_bytes"));
  e.single("wsd_cache_evictions_total", "counter", "Entries evicted for space.", num("evictions"));
  e.single("wsd_cache_expirations_total", "counter", "Entries removed after their TTL.",
           num("expirations"));
  e.single("wsd_cache_invalidations_total", "counter", "Entries removed by invalidation.",
           num("invalidations"));

  auto const& d = m.database;
  e.single("wsd_db_queries_total", "counter", "SQL statements executed.", d.queries.load());
  e.single("wsd_db_errors_total", "counter", "Database calls that failed.", d.errors.load());
  e.single("wsd_db_connections_in_use", "gauge", "Pooled connections leased.", d.in_use.load());
  e.single("wsd_db_pool_size", "gauge", "Pooled connections.", ctx.svc.database.pool_size());
  e.single("wsd_db_retried_reads_total", "counter",
           "Reads run again on a fresh connection after theirs was lost.", d.retried_reads.load());
  e.single("wsd_db_pool_waits_timed_out_total", "counter",
           "Calls refused for want of a free pooled connection.", d.pool_waits_timed_out.load());
  e.histogram("wsd_db_call_duration_seconds", "Time of one database call.", d.latency.read());

  auto const& f = m.change_feed;
  e.single("wsd_change_feed_listening", "gauge", "1 while the LISTEN connection is established.",
           f.listening.load());
  e.single("wsd_change_feed_reconnects_total", "counter",
           "Times the LISTEN connection was lost or stalled and replaced.", f.reconnects.load());
  e.metric("wsd_cache_coherence_expirations_total", "counter",
           "Times the workstation entries were expired because coherence was in doubt, by cause.");
  for (auto const why : all_doubts)
    e.sample("wsd_cache_coherence_expirations_total",
             f.expirations[static_cast<std::size_t>(why)].load(),
             "cause=\"" + std::string(db::to_string(why)) + "\"");

  auto const breaker = ctx.svc.database.breaker().read();
  e.single("wsd_circuit_breaker_open", "gauge", "1 while the breaker is open or half-open.",
           breaker.state == db::breaker_state::closed ? 0 : 1);
  e.single("wsd_circuit_breaker_failures", "gauge", "Database failures within the window.",
           breaker.failures);
  e.single("wsd_circuit_breaker_opened_total", "counter", "Times the breaker opened.",
           breaker.opened_count);

  auto const& z = m.compression;
  e.by_coding("wsd_compression_bytes_in_total", "Response bytes before compression.", z.bytes_in);
  e.by_coding("wsd_compression_bytes_out_total", "Response bytes after compression.", z.bytes_out);
  e.by_coding("wsd_compression_variants_total", "Compressed variants stored with cache entries.",
              z.variants);
  e.by_coding("wsd_compression_dynamic_total", "Bodies compressed for one response.", z.dynamic);

  e.single("wsd_connections_active", "gauge", "Open client connections.",
           m.connections.active.load());
  e.single("wsd_connections_accepted_total", "counter", "Connections accepted.",
           m.connections.accepted.load());
  e.single("wsd_connections_rejected_total", "counter",
           "Connections closed at once over server.max_connections.",
           m.connections.rejected.load());
  e.single("wsd_log_dropped_total", "counter",
           "Log lines dropped because stdout or stderr did not keep up.", log::get().dropped());

  auto const& l = m.logins;
  e.single("wsd_logins_pending", "gauge", "Logins admitted and waiting for or being hashed.",
           ctx.svc.hashes.pending());
  e.single("wsd_logins_accepted_total", "counter", "Logins that issued a token.",
           l.accepted.load());
  e.metric("wsd_logins_rejected_total", "counter", "Logins refused, by reason.");
  e.sample("wsd_logins_rejected_total", l.bad_credentials.load(), "reason=\"bad_credentials\"");
  e.sample("wsd_logins_rejected_total", l.throttled.load(), "reason=\"throttled\"");
  e.sample("wsd_logins_rejected_total", l.overloaded.load(), "reason=\"overloaded\"");

  auto res = http::json_response(200, e.take());
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  co_return res;
}

}  // namespace wsd::api::performance
