// What the black-box tests of the response cache and of the performance
// endpoints share (test/api/cache_*_test.cpp, metrics_test.cpp): a running
// wsd with its admin's token, the paths and keys of SPEC.md "Cache
// semantics", and strict readers of the JSON it answers. `database.queries`
// in the metrics counts every SQL statement, so "a hit does no database
// work" and single-flight are observed from outside.
#pragma once

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "support/http_client.hpp"
#include "support/process.hpp"

namespace wsd::test {

inline constexpr std::string_view collection = "/api/workstations";
inline constexpr std::string_view stats_path = "/api/performance/cache-stats";
inline constexpr std::string_view clear_path = "/api/performance/cache-clear";
inline constexpr std::string_view invalidate_path = "/api/performance/cache-invalidate";
inline constexpr std::string_view keys_path = "/api/performance/cache-keys";
inline constexpr std::string_view metrics_path = "/api/performance/metrics";
inline constexpr std::string_view prometheus_path = "/metrics";
inline constexpr std::int64_t default_max_bytes = 67108864;

inline constexpr std::array<std::string_view, 10> stats_fields{
    "entries",  "bytes",     "capacity_bytes", "hits",          "misses",
    "hit_rate", "evictions", "expirations",    "invalidations", "shards"};

std::string item_path(std::int64_t id);
std::string list_path(std::string_view query);
std::string item_key(std::int64_t id);
// Percent-encodes all but unreserved characters and the glob's `*` and `:`.
std::string encode(std::string_view text);

// Members of o that must be there with that type; REQUIRE fails otherwise.
boost::json::object const& object_at(boost::json::object const& o, std::string_view key);
std::int64_t integer(boost::json::object const& o, std::string_view key);
double number(boost::json::object const& o, std::string_view key);

// The SPEC's error shape: {"error":{"code","message",...}} with a JSON type.
void check_error(http_response const& response, int status, std::string_view code);
// 401 unauthorized with WWW-Authenticate: Bearer.
void check_unauthorized(http_response const& response);

// A running wsd with `--set` settings, and its admin's token.
class cache_server {
 public:
  explicit cache_server(std::initializer_list<std::string_view> settings = {});

  std::uint16_t port() const noexcept { return server_.port(); }
  wsd_server const& process() const noexcept { return server_; }

  // One request on a fresh connection, as admin.
  http_response call(std::string_view method, std::string_view target, std::string_view body = {},
                     header_list headers = {}) const;
  // One request on a fresh connection with this bearer token.
  http_response call_as(std::string_view token, std::string_view method, std::string_view target,
                        std::string_view body = {}, header_list headers = {}) const;
  // One request on a fresh connection with only the given headers.
  http_response anonymous(std::string_view method, std::string_view target,
                          header_list headers = {}) const;

  // A GET as admin that must answer 200 with a JSON object.
  boost::json::object get_object(std::string_view target) const;
  // X-Cache of a GET that must answer 200.
  std::string x_cache(std::string_view target) const;

  // POSTs a workstation that must be created; returns its id.
  std::int64_t create(std::string const& name, std::string_view status = "online",
                      std::string const& description = {}) const;
  // A new user with this role (its name is the role), logged in.
  std::string user_token(std::string_view role) const;

  boost::json::object stats() const;
  boost::json::object metrics() const;
  std::int64_t queries() const;
  // database.queries once two reads in a row agree. The idempotency-key sweep
  // at start may still be running when a test begins; a metrics call that
  // queried the database itself would never settle.
  std::int64_t quiet_queries() const;

  // The cache-keys entries matching pattern.
  std::vector<boost::json::object> keys(std::string_view pattern,
                                        std::optional<int> limit = std::nullopt) const;
  // The ids of the held item keys.
  std::set<std::int64_t> held_items() const;

  std::string diagnostics() const;

 private:
  wsd_server server_;
  std::string token_;
};

// Every cache-stats field, of the right type and mutually consistent.
void check_stats_shape(boost::json::object const& s);

std::vector<std::int64_t> ids_in(boost::json::object const& envelope);
bool contains(std::vector<std::int64_t> const& ids, std::int64_t id);

// GETs target until it answers HIT (at most three times), so the next
// check reads past a cached entry.
void warm(cache_server const& s, std::string const& target);

}  // namespace wsd::test
