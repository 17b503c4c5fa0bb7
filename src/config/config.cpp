#include "wsd/config/config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace wsd::config {
namespace {

namespace json = boost::json;
using outcome = boost::system::result<void, std::string>;

// A value as read from any source, converted to its key's kind but not yet
// checked against the key's range.
using raw_value = std::variant<std::uint64_t, bool, std::string>;

enum class value_kind { integer, boolean, text };

// One configuration key. The table of these is the only place a key is
// declared: the file, the environment, --set and help_text() all read it.
struct key_def {
  std::string_view name;  // "section.key"
  value_kind kind;
  std::string expected;  // what a valid value looks like, for error messages
  std::string_view help;
  std::function<bool(settings&, raw_value const&)> store;  // false: value not allowed
  std::function<raw_value(settings const&)> load;
};

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
                   if (n < range.min || n > range.max) return false;
                   if (range.accept != nullptr && !range.accept(n)) return false;
                   field(s) = from_count<member>(n);
                   return true;
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
                   return true;
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
                   if (!accept(text)) return false;
                   field(s) = text;
                   return true;
                 },
                 [field](settings const& s) { return raw_value{field(s)}; }};
}

bool non_empty(std::string_view text) {
  return !text.empty();
}

bool is_log_level(std::string_view text) {
  constexpr std::array<std::string_view, 6> levels{"trace", "debug", "info",
                                                   "warn",  "error", "off"};
  return std::ranges::find(levels, text) != levels.end();
}

std::vector<key_def> make_keys() {
  return {
      text_key(
          "server.host", [](auto& s) -> auto& { return s.server.host; }, non_empty,
          "a non-empty address", "address to listen on"),
      integer_key(
          "server.port", [](auto& s) -> auto& { return s.server.port; }, {},
          "TCP port; 0 = an ephemeral port"),
      integer_key(
          "server.threads", [](auto& s) -> auto& { return s.server.threads; }, up_to(1024),
          "I/O threads; 0 = one per core"),
      integer_key(
          "server.max_connections", [](auto& s) -> auto& { return s.server.max_connections; },
          at_least(1), "connections served at once"),
      integer_key(
          "server.header_timeout_ms", [](auto& s) -> auto& { return s.server.header_timeout; },
          at_least(1), "time allowed to receive a request's headers"),
      integer_key(
          "server.idle_timeout_ms", [](auto& s) -> auto& { return s.server.idle_timeout; },
          at_least(1), "idle keep-alive time before a connection is closed"),
      integer_key(
          "server.drain_timeout_ms", [](auto& s) -> auto& { return s.server.drain_timeout; },
          at_least(1), "time in-flight requests get to finish at shutdown"),
      integer_key(
          "server.max_header_bytes", [](auto& s) -> auto& { return s.server.max_header_bytes; },
          at_least(1), "largest request header (431 beyond)"),
      integer_key(
          "server.max_body_bytes", [](auto& s) -> auto& { return s.server.max_body_bytes; },
          at_least(1), "largest request body (413 beyond)"),
      text_key(
          "db.url", [](auto& s) -> auto& { return s.db.url; }, non_empty,
          "a non-empty SOCI connection string",
          "SOCI connection string (sqlite3://db=FILE or postgresql://...)"),
      integer_key(
          "db.pool_size", [](auto& s) -> auto& { return s.db.pool_size; }, at_least(1),
          "database connections"),
      integer_key(
          "db.query_timeout_ms", [](auto& s) -> auto& { return s.db.query_timeout; }, at_least(1),
          "time a query may take before the request answers 504"),
      bool_key(
          "cache.enabled", [](auto& s) -> auto& { return s.cache.enabled; },
          "cache workstation reads"),
      integer_key(
          "cache.shards", [](auto& s) -> auto& { return s.cache.shards; }, shard_count(),
          "cache shards; 0 = derive from the number of cores"),
      integer_key(
          "cache.ttl_seconds", [](auto& s) -> auto& { return s.cache.ttl; }, at_least(1),
          "lifetime of a cached entry"),
      integer_key(
          "cache.max_bytes", [](auto& s) -> auto& { return s.cache.max_bytes; }, at_least(1),
          "cache byte budget (least recently used entries go first)"),
      integer_key(
          "cache.max_stale_seconds", [](auto& s) -> auto& { return s.cache.max_stale; }, {},
          "how long past expiry an entry may be served STALE when the DB fails"),
      integer_key(
          "cache.sweep_interval_ms", [](auto& s) -> auto& { return s.cache.sweep_interval; },
          at_least(1), "period of the sweep of expired entries"),
      integer_key(
          "breaker.failure_threshold", [](auto& s) -> auto& { return s.breaker.failure_threshold; },
          at_least(1), "DB failures within the window that open the circuit breaker"),
      integer_key(
          "breaker.window_seconds", [](auto& s) -> auto& { return s.breaker.window; }, at_least(1),
          "window in which failures are counted"),
      integer_key(
          "breaker.open_seconds", [](auto& s) -> auto& { return s.breaker.open; }, at_least(1),
          "time the breaker stays open before a probe"),
      integer_key(
          "auth.token_ttl_seconds", [](auto& s) -> auto& { return s.auth.token_ttl; }, at_least(1),
          "lifetime of an access token"),
      integer_key(
          "auth.login_max_failures", [](auto& s) -> auto& { return s.auth.login_max_failures; },
          at_least(1), "failed logins allowed per window"),
      integer_key(
          "auth.login_window_seconds", [](auto& s) -> auto& { return s.auth.login_window; },
          at_least(1), "window in which failed logins are counted"),
      bool_key(
          "log.access", [](auto& s) -> auto& { return s.log.access; },
          "one JSON access-log line per request"),
      text_key(
          "log.level", [](auto& s) -> auto& { return s.log.level; }, is_log_level,
          "one of trace, debug, info, warn, error, off",
          "least severe level logged: trace, debug, info, warn, error or off"),
      bool_key(
          "metrics.public", [](auto& s) -> auto& { return s.metrics.is_public; },
          "serve /metrics without authentication"),
  };
}

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

// "server.max_body_bytes" -> "WSD_SERVER_MAX_BODY_BYTES"
std::string env_name(std::string_view key) {
  std::string name = "WSD_";
  for (char const c : key) {
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

std::string lowercase(std::string_view text) {
  std::string out;
  std::ranges::transform(text, std::back_inserter(out),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<raw_value> from_text(value_kind kind, std::string_view text) {
  switch (kind) {
    case value_kind::integer: {
      // from_chars takes no sign, space or base prefix for unsigned types.
      std::uint64_t n = 0;
      auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return {};
      return n;
    }
    case value_kind::boolean: {
      auto const word = lowercase(text);
      if (word == "true" || word == "1" || word == "yes" || word == "on") return true;
      if (word == "false" || word == "0" || word == "no" || word == "off") return false;
      return {};
    }
    case value_kind::text:
      return std::string{text};
  }
  return {};
}

std::optional<raw_value> from_json(value_kind kind, json::value const& v) {
  switch (kind) {
    case value_kind::integer:
      if (v.is_uint64()) return v.get_uint64();
      if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
      return {};
    case value_kind::boolean:
      if (v.is_bool()) return v.get_bool();
      return {};
    case value_kind::text:
      if (v.is_string()) return std::string{v.get_string()};
      return {};
  }
  return {};
}

json::value to_json_value(raw_value const& v) {
  if (auto const* n = std::get_if<std::uint64_t>(&v)) {
    // Signed where possible, as parsed JSON is, so the two compare equal.
    if (*n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(*n);
    }
    return *n;
  }
  if (auto const* b = std::get_if<bool>(&v)) return *b;
  return json::string{std::get<std::string>(v)};
}

// Quotes a value for a message, shortened so a stray blob does not flood the terminal.
std::string quoted(std::string_view text) {
  constexpr std::size_t max_shown = 64;
  if (text.size() > max_shown) return "'" + std::string{text.substr(0, max_shown)} + "...'";
  return "'" + std::string{text} + "'";
}

// `source` reads like "from WSD_PORT", "in --set", "in conf/wsd.json".
outcome store(settings& config, key_def const& key, std::optional<raw_value> const& value,
              std::string_view shown, std::string_view source) {
  if (value && key.store(config, *value)) return {};
  return "invalid value for '" + std::string{key.name} + "': " + std::string{shown} + " (" +
         std::string{source} + "); expected " + key.expected;
}

outcome assign_text(settings& config, key_def const& key, std::string_view text,
                    std::string_view source) {
  return store(config, key, from_text(key.kind, text), quoted(text), source);
}

// Both alternatives of these results are strings (or convertible from one),
// hence the in_place tags.
constexpr auto failed = boost::system::in_place_error;

boost::system::result<std::string, std::string> read_file(std::filesystem::path const& path) {
  auto const name = "configuration file '" + path.string() + "'";
  std::error_code ec;
  auto const status = std::filesystem::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) return {failed, name + ": " + ec.message()};
  if (!std::filesystem::exists(status)) return {failed, name + " does not exist"};
  if (std::filesystem::is_directory(status)) return {failed, name + " is a directory"};
  std::ifstream in{path, std::ios::binary};
  if (!in) return {failed, name + " cannot be read"};
  std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  return {boost::system::in_place_value, std::move(text)};
}

std::string line_and_column(std::string_view text, std::size_t offset) {
  auto const before = text.substr(0, std::min(offset, text.size()));
  auto const line = std::ranges::count(before, '\n') + 1;
  auto const line_start = before.rfind('\n');
  auto const column = before.size() - (line_start == std::string_view::npos ? 0 : line_start + 1);
  return "line " + std::to_string(line) + ", column " + std::to_string(column + 1);
}

boost::system::result<json::value, std::string> parse_json(std::string_view text,
                                                           std::filesystem::path const& path) {
  json::parser parser;
  boost::system::error_code ec;
  auto const consumed = parser.write(text.data(), text.size(), ec);
  if (ec) {
    return {failed, "configuration file '" + path.string() + "' is not valid JSON: " +
                        ec.message() + " at " + line_and_column(text, consumed)};
  }
  return {boost::system::in_place_value, parser.release()};
}

outcome apply_section(settings& config, std::string_view section, json::object const& members,
                      std::string_view source) {
  for (auto const& [name, value] : members) {
    auto const full_name = std::string{section} + "." + std::string{name};
    auto const* key = find_key(full_name);
    if (key == nullptr) {
      return "unknown configuration key '" + full_name + "' (" + std::string{source} + ")";
    }
    auto const shown = json::serialize(value);
    if (auto r = store(config, *key, from_json(key->kind, value), shown, source); !r) return r;
  }
  return {};
}

outcome apply_document(settings& config, json::value const& document,
                       std::filesystem::path const& path) {
  auto const source = "in " + path.string();
  if (!document.is_object()) {
    return "configuration file '" + path.string() + "' must hold a JSON object";
  }
  for (auto const& [section, members] : document.get_object()) {
    if (!is_section(section)) {
      return "unknown configuration section '" + std::string{section} + "' (" + source + ")";
    }
    if (!members.is_object()) {
      return "configuration section '" + std::string{section} + "' must be a JSON object (" +
             source + ")";
    }
    if (auto r = apply_section(config, section, members.get_object(), source); !r) return r;
  }
  return {};
}

// A missing default file is fine; a missing explicit one is a mistake.
outcome apply_file(settings& config, std::optional<std::string> const& explicit_file,
                   std::filesystem::path const& default_file) {
  auto path = std::filesystem::path{};
  if (explicit_file) {
    path = *explicit_file;
  } else {
    std::error_code ec;
    if (!std::filesystem::exists(default_file, ec)) return {};
    path = default_file;
  }
  auto const text = read_file(path);
  if (!text) return text.error();
  auto const document = parse_json(*text, path);
  if (!document) return document.error();
  return apply_document(config, *document, path);
}

struct env_shortcut {
  std::string_view variable;
  std::string_view key;
};

constexpr std::array<env_shortcut, 2> env_shortcuts{{
    {"WSD_DB", "db.url"},
    {"WSD_PORT", "server.port"},
}};

// Shortcuts first, so the full WSD_SECTION_KEY name wins when both are set.
outcome apply_environment(settings& config, getenv_function const& getenv) {
  if (!getenv) return {};
  for (auto const& shortcut : env_shortcuts) {
    if (auto const value = getenv(shortcut.variable)) {
      auto const source = "from " + std::string{shortcut.variable};
      if (auto r = assign_text(config, *find_key(shortcut.key), *value, source); !r) return r;
    }
  }
  for (auto const& key : keys()) {
    auto const variable = env_name(key.name);
    if (auto const value = getenv(variable)) {
      if (auto r = assign_text(config, key, *value, "from " + variable); !r) return r;
    }
  }
  config.auth.jwt_secret = getenv("WSD_JWT_SECRET");
  config.auth.admin_password = getenv("WSD_ADMIN_PASSWORD");
  return {};
}

enum class option_kind { config, shortcut, set, help, version };

struct option_def {
  std::string_view name;
  std::string_view alias;
  std::string_view metavar;  // empty: takes no value
  option_kind kind;
  std::string_view key_or_help;  // the key a shortcut sets, else the help line
};

constexpr std::array<option_def, 8> options{{
    {"--config", "", "FILE", option_kind::config,
     "JSON configuration file (default: conf/wsd.json, if it exists)"},
    {"--host", "", "ADDR", option_kind::shortcut, "server.host"},
    {"--port", "", "N", option_kind::shortcut, "server.port"},
    {"--threads", "", "N", option_kind::shortcut, "server.threads"},
    {"--db", "", "URL", option_kind::shortcut, "db.url"},
    {"--set", "", "KEY=VALUE", option_kind::set, "set any configuration key below (repeatable)"},
    {"--help", "-h", "", option_kind::help, "print this help and exit"},
    {"--version", "", "", option_kind::version, "print the version and exit"},
}};

option_def const* find_option(std::string_view name) {
  auto const it = std::ranges::find_if(
      options, [name](option_def const& o) { return o.name == name || o.alias == name; });
  return it == options.end() ? nullptr : &*it;
}

struct assignment {
  key_def const* key;
  std::string value;
  std::string source;
};

struct command_line {
  command::kind what = command::run;
  std::optional<std::string> config_file;
  std::vector<assignment> assignments;  // in command-line order: the last one wins
};

// Only the key is echoed on error: the value may be a connection string with a password.
boost::system::result<assignment, std::string> parse_set(std::string_view text) {
  auto const equals = text.find('=');
  auto const name = text.substr(0, equals);
  if (equals == std::string_view::npos || name.find('.') == std::string_view::npos) {
    return "invalid --set " + quoted(name) + ": expected section.key=value";
  }
  auto const* key = find_key(name);
  if (key == nullptr) return "unknown configuration key " + quoted(name) + " (in --set)";
  return assignment{key, std::string{text.substr(equals + 1)}, "in --set"};
}

outcome apply_option(command_line& line, option_def const& option, std::string_view value) {
  switch (option.kind) {
    case option_kind::config:
      line.config_file = std::string{value};
      return {};
    case option_kind::shortcut:
      line.assignments.push_back(
          {find_key(option.key_or_help), std::string{value}, "from " + std::string{option.name}});
      return {};
    case option_kind::set: {
      auto a = parse_set(value);
      if (!a) return a.error();
      line.assignments.push_back(std::move(*a));
      return {};
    }
    case option_kind::help:
      line.what = command::help;
      return {};
    case option_kind::version:
      line.what = command::version;
      return {};
  }
  return {};
}

// Accepts `--name value` and `--name=value`. A following "--..." is taken
// for a forgotten value rather than swallowed as one.
boost::system::result<command_line, std::string> parse_command_line(
    std::span<std::string_view const> args) {
  command_line line;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto name = args[i];
    std::optional<std::string_view> value;
    if (auto const equals = name.find('='); name.starts_with("--") && equals != name.npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    auto const* option = find_option(name);
    if (option == nullptr) {
      if (name.starts_with("-")) return "unknown option " + quoted(name);
      return "unexpected argument " + quoted(name);
    }
    if (option->metavar.empty() && value) {
      return "option " + quoted(name) + " takes no value";
    }
    if (!option->metavar.empty() && !value) {
      if (i + 1 == args.size() || args[i + 1].starts_with("--")) {
        return "option " + quoted(name) + " requires a value (" + std::string{option->metavar} +
               ")";
      }
      value = args[++i];
    }
    if (auto r = apply_option(line, *option, value.value_or("")); !r) return r.error();
  }
  return line;
}

std::string padded(std::string text, std::size_t width) {
  text.resize(std::max(text.size() + 2, width), ' ');
  return text;
}

std::string options_help() {
  std::string out = "Options:\n";
  for (auto const& option : options) {
    auto names = std::string{option.name};
    if (!option.alias.empty()) names = std::string{option.alias} + ", " + names;
    if (!option.metavar.empty()) names += " " + std::string{option.metavar};
    auto const help =
        option.kind == option_kind::shortcut
            ? "same as --set " + std::string{option.key_or_help} + "=" + std::string{option.metavar}
            : std::string{option.key_or_help};
    out += "  " + padded(names, 22) + help + "\n";
  }
  return out;
}

std::string keys_help() {
  std::string out =
      "Configuration keys, with their defaults. In the file a key is "
      "{\"section\": {\"key\": value}};\n"
      "on the command line --set section.key=value; in the environment WSD_SECTION_KEY\n"
      "(e.g. WSD_CACHE_TTL_SECONDS=5).\n";
  settings const defaults;
  std::vector<std::string> entries;
  for (auto const& key : keys()) {
    entries.push_back(std::string{key.name} + " = " +
                      json::serialize(to_json_value(key.load(defaults))));
  }
  auto const width = std::ranges::max(entries, {}, &std::string::size).size() + 2;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    out += "  " + padded(entries[i], width) + std::string{keys()[i].help} + "\n";
  }
  return out;
}

}  // namespace

boost::system::result<command, std::string> parse(std::span<std::string_view const> args,
                                                  getenv_function const& getenv,
                                                  std::filesystem::path const& default_file) {
  auto const line = parse_command_line(args);
  if (!line) return line.error();
  command cmd{line->what, {}};
  if (cmd.what != command::run) return cmd;
  if (auto r = apply_file(cmd.config, line->config_file, default_file); !r) return r.error();
  if (auto r = apply_environment(cmd.config, getenv); !r) return r.error();
  for (auto const& a : line->assignments) {
    if (auto r = assign_text(cmd.config, *a.key, a.value, a.source); !r) return r.error();
  }
  return cmd;
}

std::optional<std::string> process_getenv(std::string_view name) {
  // std::getenv needs a terminated string; `name` may be a slice.
  if (auto const* value = std::getenv(std::string{name}.c_str())) return std::string{value};
  return std::nullopt;
}

std::string help_text() {
  return "Usage: wsd [OPTIONS]\n\n" + options_help() + "\n" + keys_help() +
         "\nEnvironment shortcuts: WSD_DB (db.url), WSD_PORT (server.port); the full names win.\n"
         "Secrets, from the environment only: WSD_JWT_SECRET (token signing key, at least 32\n"
         "bytes), WSD_ADMIN_PASSWORD (password of the first admin user).\n"
         "Precedence: command line > environment > file > defaults.\n";
}

json::object to_json(settings const& config) {
  json::object out;
  for (auto const& key : keys()) {
    auto const dot = key.name.find('.');
    auto& section = out[key.name.substr(0, dot)];
    if (!section.is_object()) section.emplace_object();
    section.get_object()[key.name.substr(dot + 1)] = to_json_value(key.load(config));
  }
  return out;
}

unsigned effective_threads(settings const& config) {
  if (config.server.threads != 0) return config.server.threads;
  return std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace wsd::config
