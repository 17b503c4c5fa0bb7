#include "wsd/config/command_line.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "wsd/config/sources.hpp"

namespace wsd::config {
namespace {

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

// Only the key is echoed on error: the value may be a connection string with a password.
boost::system::result<assignment, std::string> parse_set(std::string_view text) {
  auto const equals = text.find('=');
  auto const name = text.substr(0, equals);
  if (equals == std::string_view::npos || name.find('.') == std::string_view::npos) {
    return "invalid --set " + quote(name) + ": expected section.key=value";
  }
  auto const* key = find_key(name);
  if (key == nullptr) return "unknown configuration key " + quote(name) + " (in --set)";
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
      "(e.g. WSD_CACHE_TTL_SECONDS=5). A list takes a JSON array or a comma-separated list\n"
      "(--set 'server.trusted_proxies=[\"127.0.0.1\",\"10.0.0.0/8\"]').\n";
  settings const defaults;
  std::vector<std::string> entries;
  for (auto const& key : keys()) {
    entries.push_back(std::string{key.name} + " = " +
                      boost::json::serialize(to_json_value(key.load(defaults))));
  }
  auto const width = std::ranges::max(entries, {}, &std::string::size).size() + 2;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    out += "  " + padded(entries[i], width) + std::string{keys()[i].help} + "\n";
  }
  return out;
}

std::string environment_help() {
  std::string shortcuts;
  for (auto const& shortcut : env_shortcuts()) {
    if (!shortcuts.empty()) shortcuts += ", ";
    shortcuts += std::string{shortcut.variable} + " (" + std::string{shortcut.key} + ")";
  }
  return "Environment shortcuts: " + shortcuts +
         "; the full names win.\n"
         "Secrets, from the environment only: WSD_JWT_SECRET (token signing key, at least 32\n"
         "bytes), WSD_ADMIN_PASSWORD (password of the first admin user).\n"
         "Precedence: command line > environment > file > defaults.\n";
}

}  // namespace

// A following "--..." is taken for a forgotten value rather than swallowed as one.
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
      if (name.starts_with("-")) return "unknown option " + quote(name);
      return "unexpected argument " + quote(name);
    }
    if (option->metavar.empty() && value) {
      return "option " + quote(name) + " takes no value";
    }
    if (!option->metavar.empty() && !value) {
      if (i + 1 == args.size() || args[i + 1].starts_with("--")) {
        return "option " + quote(name) + " requires a value (" + std::string{option->metavar} + ")";
      }
      value = args[++i];
    }
    if (auto r = apply_option(line, *option, value.value_or("")); !r) return r.error();
  }
  return line;
}

std::string help_text() {
  return "Usage: wsd [OPTIONS]\n\n" + options_help() + "\n" + keys_help() + "\n" +
         environment_help();
}

}  // namespace wsd::config
