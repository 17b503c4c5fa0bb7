// The server's configuration: built-in defaults, overridden by a JSON file,
// then by WSD_* environment variables, then by the command line (SPEC,
// "Command line and configuration"). Pure: no global state is read except
// through the injected getenv and the configuration file named or defaulted.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>
#include <boost/system/result.hpp>

#include "wsd/config/address_range.hpp"

namespace wsd::config {

struct server_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = ephemeral
  unsigned threads = 0;       // 0 = one per core, see effective_threads()
  std::size_t max_connections = 10000;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds drain_timeout{10000};
  std::size_t max_header_bytes = 8192;
  std::size_t max_body_bytes = 1048576;
  // A client that does not read its responses is dropped after this.
  std::chrono::milliseconds send_timeout{30000};
  // Peers whose X-Forwarded-For is believed; key "server.trusted_proxies", a
  // list of addresses or CIDR ranges, parsed and checked at start.
  std::vector<address_range> trusted_proxies;
  bool operator==(server_settings const&) const = default;
};

struct db_settings {
  std::string url = "sqlite3://db=var/wsd.db";
  unsigned pool_size = 4;
  std::chrono::milliseconds query_timeout{5000};
  bool operator==(db_settings const&) const = default;
};

struct cache_settings {
  bool enabled = true;
  unsigned shards = 0;  // 0 = derive from the number of cores; else a power of two
  std::chrono::seconds ttl{300};
  std::size_t max_bytes = 67108864;
  std::chrono::seconds max_stale{3600};
  std::chrono::milliseconds sweep_interval{1000};
  bool operator==(cache_settings const&) const = default;
};

struct breaker_settings {
  unsigned failure_threshold = 3;
  std::chrono::seconds window{60};
  std::chrono::seconds open{60};
  bool operator==(breaker_settings const&) const = default;
};

struct auth_settings {
  std::chrono::seconds token_ttl{3600};
  unsigned login_max_failures = 5;
  std::chrono::seconds login_window{60};
  unsigned login_max_failures_per_address = 20;  // over all usernames
  unsigned hash_threads = 0;                     // 0 = half the cores, see effective_hash_threads()
  unsigned max_pending_logins = 64;              // waiting for a hash thread; 503 beyond
  unsigned min_password_length = 12;             // up to 1024, the longest password accepted
  // Secrets come from the environment only, so they never sit in a file or
  // show up in `ps`. Their strength is checked by whoever uses them.
  std::optional<std::string> jwt_secret;      // WSD_JWT_SECRET
  std::optional<std::string> admin_password;  // WSD_ADMIN_PASSWORD
  bool operator==(auth_settings const&) const = default;
};

struct log_settings {
  bool access = true;
  std::string level = "info";              // trace|debug|info|warn|error|off
  std::size_t max_buffer_bytes = 8388608;  // held while stdout stalls; lines beyond are dropped
  bool operator==(log_settings const&) const = default;
};

struct metrics_settings {
  bool is_public = false;  // key "metrics.public"
  bool operator==(metrics_settings const&) const = default;
};

// The change feed of GET /api/events.
struct events_settings {
  std::chrono::seconds retention{3600};  // a `since` older than this is 410
  unsigned max_subscribers = 10000;
  std::size_t queue_events = 1024;  // a subscriber this far behind is closed
  std::chrono::seconds heartbeat{15};
  bool operator==(events_settings const&) const = default;
};

struct compression_settings {
  bool enabled = true;
  std::size_t min_bytes = 1024;  // smaller bodies are sent as they are
  unsigned gzip_level = 6;       // libdeflate's range, 1..12
  unsigned brotli_quality = 5;   // 0..11
  bool operator==(compression_settings const&) const = default;
};

struct settings {
  server_settings server;
  db_settings db;
  cache_settings cache;
  breaker_settings breaker;
  auth_settings auth;
  log_settings log;
  metrics_settings metrics;
  events_settings events;
  compression_settings compression;
  bool operator==(settings const&) const = default;
};

// What the command line asked for. `config` is only filled in for `run`.
struct command {
  enum kind { run, help, version } what = run;
  settings config;
};

using getenv_function = std::function<std::optional<std::string>(std::string_view name)>;

// Read when no --config is given, relative to the working directory, if it exists.
inline constexpr std::string_view default_config_file = "conf/wsd.json";

// `args` are argv WITHOUT the program name. Only the known WSD_* names are
// asked of `getenv`. The error is a message naming the offending flag, key,
// variable or file, ready to print before exiting with status 2. (Use `*r`
// and `r.error()`: `r.value()` needs an exception type a string is not.)
boost::system::result<command, std::string> parse(
    std::span<std::string_view const> args, getenv_function const& getenv,
    std::filesystem::path const& default_file = default_config_file);

// The process environment, for parse() in main.
std::optional<std::string> process_getenv(std::string_view name);

// Usage: every option and every configuration key with its default.
std::string help_text();

// The configuration as the JSON file would hold it (secrets left out).
boost::json::object to_json(settings const& config);

// server.threads, with 0 replaced by the number of cores (at least 1).
unsigned effective_threads(settings const& config);

// auth.hash_threads, with 0 replaced by half the number of cores (at least 1).
unsigned effective_hash_threads(settings const& config);

}  // namespace wsd::config
