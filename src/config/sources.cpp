#include "wsd/config/sources.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <utility>

#include <boost/json/object.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace wsd::config {
namespace {

namespace json = boost::json;

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

constexpr std::array<env_shortcut, 2> shortcuts{{
    {"WSD_DB", "db.url"},
    {"WSD_PORT", "server.port"},
}};

}  // namespace

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

std::span<env_shortcut const> env_shortcuts() {
  return shortcuts;
}

// Shortcuts first, so the full WSD_SECTION_KEY name wins when both are set.
outcome apply_environment(settings& config, getenv_function const& getenv) {
  if (!getenv) return {};
  for (auto const& shortcut : shortcuts) {
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

}  // namespace wsd::config
