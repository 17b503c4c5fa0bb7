#include "wsd/config/keys.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

namespace wsd::config {
namespace {

constexpr auto unlimited = std::numeric_limits<std::uint64_t>::max();
// Keeps `now() + timeout` far from overflowing any clock's representation.
constexpr std::uint64_t max_duration_count = std::numeric_limits<std::int32_t>::max();

template <class T>
constexpr bool is_duration = false;
template <class Rep, class Period>
constexpr bool is_duration<std::chrono::duration<Rep, Period>> = true;

template <class T>
constexpr std::uint64_t largest() {
  if constexpr (is_duration<T>) {
    return max_duration_count;
  } else {
    return std::numeric_limits<T>::max();
  }
}

template <class T>
std::uint64_t to_count(T const& field) {
  if constexpr (is_duration<T>) {
    return static_cast<std::uint64_t>(field.count());
  } else {
    return field;
  }
}

template <class T>
T from_count(std::uint64_t n) {
  if constexpr (is_duration<T>) {
    return T{static_cast<typename T::rep>(n)};
  } else {
    return static_cast<T>(n);
  }
}

struct int_range {
  std::uint64_t min = 0;
  std::uint64_t max = unlimited;  // lowered to what the field can hold
  bool (*accept)(std::uint64_t) = nullptr;
  std::string_view expected;  // replaces the generated description
};

// Named constructors, as designated initializers trip GCC's -Wmissing-field-initializers.
int_range at_least(std::uint64_t min) {
  int_range range;
  range.min = min;
  return range;
}

int_range up_to(std::uint64_t max) {
  int_range range;
  range.max = max;
  return range;
}

int_range between(std::uint64_t min, std::uint64_t max) {
  int_range range;
  range.min = min;
  range.max = max;
  return range;
}

bool zero_or_power_of_two(std::uint64_t n) {
  return (n & (n - 1)) == 0;
}

int_range shard_count() {
  auto range = up_to(4096);
  range.accept = zero_or_power_of_two;
  range.expected = "0 or a power of two up to 4096";
  return range;
}

std::string describe(int_range const& range) {
  if (!range.expected.empty()) return std::string{range.expected};
  if (range.max == unlimited) return "an integer >= " + std::to_string(range.min);
  return "an integer in " + std::to_string(range.min) + ".." + std::to_string(range.max);
}

// A refusal of the value as a whole; see key_def::store.
outcome refused() {
  return std::string{};
}

// `field` is a generic lambda returning a reference to the member in a
// (const or not) settings.
template <class Field>
key_def integer_key(std::string_view name, Field field, int_range range, std::string_view help) {
  using member = std::remove_cvref_t<decltype(field(std::declval<settings&>()))>;
  range.max = std::min(range.max, largest<member>());
  return key_def{name,
                 value_kind::integer,
                 describe(range),
                 help,
                 [field, range](settings& s, raw_value const& v) {
                   auto const n = std::get<std::uint64_t>(v);
                   if (n < range.min || n > range.max) return refused();
                   if (range.accept != nullptr && !range.accept(n)) return refused();
                   field(s) = from_count<member>(n);
                   return outcome{};
                 },
                 [field](settings const& s) { return raw_value{to_count(field(s))}; }};
}

template <class Field>
key_def bool_key(std::string_view name, Field field, std::string_view help) {
  return key_def{name,
                 value_kind::boolean,
                 "true/false, 1/0, yes/no or on/off",
                 help,
                 [field](settings& s, raw_value const& v) {
                   field(s) = std::get<bool>(v);
                   return outcome{};
                 },
                 [field](settings const& s) { return raw_value{field(s)}; }};
}

template <class Field>
key_def text_key(std::string_view name, Field field, bool (*accept)(std::string_view),
                 std::string_view expected, std::string_view help) {
  return key_def{name,
                 value_kind::text,
                 std::string{expected},
                 help,
                 [field, accept](settings& s, raw_value const& v) {
                   auto const& text = std::get<std::string>(v);
                   if (!accept(text)) return refused();
                   field(s) = text;
                   return outcome{};
                 },
                 [field](settings const& s) { return raw_value{field(s)}; }};
}

// A list of IP addresses and CIDR ranges, stored parsed: a bad entry stops
// the server at start rather than being skipped on every request.
template <class Field>
key_def address_list_key(std::string_view name, Field field, std::string_view help) {
  return key_def{name,
                 value_kind::list,
                 "IP addresses and CIDR ranges such as 10.0.0.0/8, as a JSON array "
                 "(or comma-separated, outside the file)",
                 help,
                 [field](settings& s, raw_value const& v) -> outcome {
                   std::vector<address_range> ranges;
                   for (auto const& entry : std::get<text_list>(v)) {
                     auto range = address_range::parse(entry);
                     if (!range) return "entry " + quote(entry);
                     ranges.push_back(*range);
                   }
                   field(s) = std::move(ranges);
                   return {};
                 },
                 [field](settings const& s) {
                   text_list entries;
                   for (auto const& range : field(s)) entries.push_back(range.to_string());
                   return raw_value{std::move(entries)};
                 }};
}

bool non_empty(std::string_view text) {
  return !text.empty();
}

bool is_log_level(std::string_view text) {
  constexpr std::array<std::string_view, 6> levels{"trace", "debug", "info",
                                                   "warn",  "error", "off"};
  return std::ranges::find(levels, text) != levels.end();
}

void add_server_keys(std::vector<key_def>& keys) {
  keys.push_back(text_key(
      "server.host", [](auto& s) -> auto& { return s.server.host; }, non_empty,
      "a non-empty address", "address to listen on"));
  keys.push_back(integer_key(
      "server.port", [](auto& s) -> auto& { return s.server.port; }, {},
      "TCP port; 0 = an ephemeral port"));
  keys.push_back(integer_key(
      "server.threads", [](auto& s) -> auto& { return s.server.threads; }, up_to(1024),
      "I/O threads; 0 = one per core"));
  keys.push_back(integer_key(
      "server.max_connections", [](auto& s) -> auto& { return s.server.max_connections; },
      at_least(1), "connections served at once"));
  keys.push_back(integer_key(
      "server.header_timeout_ms", [](auto& s) -> auto& { return s.server.header_timeout; },
      at_least(1), "time allowed to receive a request's headers"));
  keys.push_back(integer_key(
      "server.idle_timeout_ms", [](auto& s) -> auto& { return s.server.idle_timeout; }, at_least(1),
      "idle keep-alive time before a connection is closed"));
  keys.push_back(integer_key(
      "server.drain_timeout_ms", [](auto& s) -> auto& { return s.server.drain_timeout; },
      at_least(1), "time in-flight requests get to finish at shutdown"));
  keys.push_back(integer_key(
      "server.max_header_bytes", [](auto& s) -> auto& { return s.server.max_header_bytes; },
      at_least(1), "largest request header (431 beyond)"));
  keys.push_back(integer_key(
      "server.max_body_bytes", [](auto& s) -> auto& { return s.server.max_body_bytes; },
      at_least(1), "largest request body (413 beyond)"));
  keys.push_back(integer_key(
      "server.send_timeout_ms", [](auto& s) -> auto& { return s.server.send_timeout; }, at_least(1),
      "time a client may take to read a response (dropped beyond)"));
  keys.push_back(address_list_key(
      "server.trusted_proxies", [](auto& s) -> auto& { return s.server.trusted_proxies; },
      "proxies whose X-Forwarded-For is believed (addresses, CIDR ranges)"));
}

void add_db_keys(std::vector<key_def>& keys) {
  keys.push_back(text_key(
      "db.url", [](auto& s) -> auto& { return s.db.url; }, non_empty,
      "a non-empty SOCI connection string",
      "SOCI connection string (sqlite3://db=FILE or postgresql://...)"));
  keys.push_back(integer_key(
      "db.pool_size", [](auto& s) -> auto& { return s.db.pool_size; }, at_least(1),
      "database connections"));
  keys.push_back(integer_key(
      "db.query_timeout_ms", [](auto& s) -> auto& { return s.db.query_timeout; }, at_least(1),
      "time a query may take before the request answers 504"));
}

void add_cache_keys(std::vector<key_def>& keys) {
  keys.push_back(bool_key(
      "cache.enabled", [](auto& s) -> auto& { return s.cache.enabled; },
      "cache workstation reads"));
  keys.push_back(integer_key(
      "cache.shards", [](auto& s) -> auto& { return s.cache.shards; }, shard_count(),
      "cache shards; 0 = derive from the number of cores"));
  keys.push_back(integer_key(
      "cache.ttl_seconds", [](auto& s) -> auto& { return s.cache.ttl; }, at_least(1),
      "lifetime of a cached entry"));
  keys.push_back(integer_key(
      "cache.max_bytes", [](auto& s) -> auto& { return s.cache.max_bytes; }, at_least(1),
      "cache byte budget (least recently used entries go first)"));
  keys.push_back(integer_key(
      "cache.max_stale_seconds", [](auto& s) -> auto& { return s.cache.max_stale; }, {},
      "how long past expiry an entry may be served STALE when the DB fails"));
  keys.push_back(integer_key(
      "cache.sweep_interval_ms", [](auto& s) -> auto& { return s.cache.sweep_interval; },
      at_least(1), "period of the sweep of expired entries"));
}

void add_breaker_keys(std::vector<key_def>& keys) {
  keys.push_back(integer_key(
      "breaker.failure_threshold", [](auto& s) -> auto& { return s.breaker.failure_threshold; },
      at_least(1), "DB failures within the window that open the circuit breaker"));
  keys.push_back(integer_key(
      "breaker.window_seconds", [](auto& s) -> auto& { return s.breaker.window; }, at_least(1),
      "window in which failures are counted"));
  keys.push_back(integer_key(
      "breaker.open_seconds", [](auto& s) -> auto& { return s.breaker.open; }, at_least(1),
      "time the breaker stays open before a probe"));
}

void add_auth_keys(std::vector<key_def>& keys) {
  keys.push_back(integer_key(
      "auth.token_ttl_seconds", [](auto& s) -> auto& { return s.auth.token_ttl; }, at_least(1),
      "lifetime of an access token"));
  keys.push_back(integer_key(
      "auth.login_max_failures", [](auto& s) -> auto& { return s.auth.login_max_failures; },
      at_least(1), "failed logins allowed per username and address per window"));
  keys.push_back(integer_key(
      "auth.login_window_seconds", [](auto& s) -> auto& { return s.auth.login_window; },
      at_least(1), "window in which failed logins are counted"));
  keys.push_back(integer_key(
      "auth.login_max_failures_per_address",
      [](auto& s) -> auto& { return s.auth.login_max_failures_per_address; }, at_least(1),
      "failed logins allowed per address, over all usernames, per window"));
  keys.push_back(integer_key(
      "auth.hash_threads", [](auto& s) -> auto& { return s.auth.hash_threads; }, up_to(1024),
      "password-hashing threads; 0 = half the cores, at least 1"));
  keys.push_back(integer_key(
      "auth.max_pending_logins", [](auto& s) -> auto& { return s.auth.max_pending_logins; },
      at_least(1), "logins waiting for a hashing thread (503 beyond)"));
  // 1024 is the longest password accepted, so a larger minimum would lock everyone out.
  keys.push_back(integer_key(
      "auth.min_password_length", [](auto& s) -> auto& { return s.auth.min_password_length; },
      between(1, 1024), "shortest password accepted, in characters"));
}

void add_log_and_metrics_keys(std::vector<key_def>& keys) {
  keys.push_back(bool_key(
      "log.access", [](auto& s) -> auto& { return s.log.access; },
      "one JSON access-log line per request"));
  keys.push_back(text_key(
      "log.level", [](auto& s) -> auto& { return s.log.level; }, is_log_level,
      "one of trace, debug, info, warn, error, off",
      "least severe level logged: trace, debug, info, warn, error or off"));
  keys.push_back(integer_key(
      "log.max_buffer_bytes", [](auto& s) -> auto& { return s.log.max_buffer_bytes; }, at_least(1),
      "log bytes held while stdout stalls (lines beyond are dropped)"));
  keys.push_back(bool_key(
      "metrics.public", [](auto& s) -> auto& { return s.metrics.is_public; },
      "serve /metrics without authentication"));
}

void add_events_keys(std::vector<key_def>& keys) {
  keys.push_back(integer_key(
      "events.retention_seconds", [](auto& s) -> auto& { return s.events.retention; }, at_least(1),
      "how long changes are kept for ?since= (410 beyond)"));
  keys.push_back(integer_key(
      "events.max_subscribers", [](auto& s) -> auto& { return s.events.max_subscribers; },
      at_least(1), "event streams open at once (503 beyond)"));
  keys.push_back(integer_key(
      "events.queue_events", [](auto& s) -> auto& { return s.events.queue_events; }, at_least(1),
      "events a subscriber may lag behind before it is closed"));
  keys.push_back(integer_key(
      "events.heartbeat_seconds", [](auto& s) -> auto& { return s.events.heartbeat; }, at_least(1),
      "period of the bookmark sent on a quiet stream"));
}

void add_compression_keys(std::vector<key_def>& keys) {
  keys.push_back(bool_key(
      "compression.enabled", [](auto& s) -> auto& { return s.compression.enabled; },
      "send br or gzip bodies to clients that accept them"));
  keys.push_back(integer_key(
      "compression.min_bytes", [](auto& s) -> auto& { return s.compression.min_bytes; }, {},
      "smallest body sent compressed"));
  // libdeflate's levels; 10..12 are its slow, smallest ones, beyond zlib's 9.
  keys.push_back(integer_key(
      "compression.gzip_level", [](auto& s) -> auto& { return s.compression.gzip_level; },
      between(1, 12), "gzip level, 1 (fastest) to 12 (smallest)"));
  keys.push_back(integer_key(
      "compression.brotli_quality", [](auto& s) -> auto& { return s.compression.brotli_quality; },
      between(0, 11), "brotli quality, 0 (fastest) to 11 (smallest)"));
}

std::vector<key_def> make_keys() {
  std::vector<key_def> keys;
  add_server_keys(keys);
  add_db_keys(keys);
  add_cache_keys(keys);
  add_breaker_keys(keys);
  add_auth_keys(keys);
  add_log_and_metrics_keys(keys);
  add_events_keys(keys);
  add_compression_keys(keys);
  return keys;
}

}  // namespace

std::vector<key_def> const& keys() {
  static auto const table = make_keys();
  return table;
}

key_def const* find_key(std::string_view name) {
  auto const& table = keys();
  auto const it = std::ranges::find(table, name, &key_def::name);
  return it == table.end() ? nullptr : &*it;
}

bool is_section(std::string_view section) {
  return std::ranges::any_of(keys(), [section](key_def const& key) {
    return key.name.starts_with(section) && key.name.size() > section.size() &&
           key.name[section.size()] == '.';
  });
}

std::string env_name(std::string_view key) {
  std::string name = "WSD_";
  for (char const c : key) {
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

std::string quote(std::string_view text) {
  constexpr std::size_t max_shown = 64;
  if (text.size() > max_shown) return "'" + std::string{text.substr(0, max_shown)} + "...'";
  return "'" + std::string{text} + "'";
}

outcome store(settings& config, key_def const& key, std::optional<raw_value> const& value,
              std::string_view shown, std::string_view source) {
  std::string fault;
  if (value) {
    auto const stored = key.store(config, *value);
    if (stored) return {};
    fault = stored.error();
  }
  return "invalid value for '" + std::string{key.name} +
         "': " + (fault.empty() ? std::string{shown} : fault) + " (" + std::string{source} +
         "); expected " + key.expected;
}

outcome assign_text(settings& config, key_def const& key, std::string_view text,
                    std::string_view source) {
  return store(config, key, from_text(key.kind, text), quote(text), source);
}

}  // namespace wsd::config
