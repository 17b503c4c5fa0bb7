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

#include <boost/json/fwd.hpp>
#include <boost/system/result.hpp>

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
  // Secrets come from the environment only, so they never sit in a file or
  // show up in `ps`. Their strength is checked by whoever uses them.
  std::optional<std::string> jwt_secret;      // WSD_JWT_SECRET
  std::optional<std::string> admin_password;  // WSD_ADMIN_PASSWORD
  bool operator==(auth_settings const&) const = default;
};

struct log_settings {
  bool access = true;
  std::string level = "info";  // trace|debug|info|warn|error|off
  bool operator==(log_settings const&) const = default;
};

struct metrics_settings {
  bool is_public = false;  // key "metrics.public"
  bool operator==(metrics_settings const&) const = default;
};

struct settings {
  server_settings server;
  db_settings db;
  cache_settings cache;
  breaker_settings breaker;
  auth_settings auth;
  log_settings log;
  metrics_settings metrics;
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

}  // namespace wsd::config
