#include "wsd/config/value.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <limits>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

namespace wsd::config {
namespace {

namespace json = boost::json;

std::string lowercase(std::string_view text) {
  std::string out;
  std::ranges::transform(text, std::back_inserter(out),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trimmed(std::string_view text) {
  auto const is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::optional<raw_value> integer_from_text(std::string_view text) {
  // from_chars takes no sign, space or base prefix for unsigned types.
  std::uint64_t n = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

std::optional<raw_value> boolean_from_text(std::string_view text) {
  auto const word = lowercase(text);
  if (word == "true" || word == "1" || word == "yes" || word == "on") return true;
  if (word == "false" || word == "0" || word == "no" || word == "off") return false;
  return std::nullopt;
}

// A text that looks like a JSON array must be one: "[a,b]" is a mistake, not
// the two entries "[a" and "b]".
std::optional<raw_value> list_from_text(std::string_view text) {
  auto const whole = trimmed(text);
  if (whole.starts_with('[')) {
    boost::system::error_code ec;
    auto const parsed = json::parse(whole, ec);
    if (ec) return std::nullopt;
    return from_json(value_kind::list, parsed);
  }
  text_list entries;
  if (whole.empty()) return entries;
  for (std::size_t start = 0; start <= whole.size();) {
    auto const comma = std::min(whole.find(',', start), whole.size());
    auto const entry = trimmed(whole.substr(start, comma - start));
    if (entry.empty()) return std::nullopt;
    entries.emplace_back(entry);
    start = comma + 1;
  }
  return entries;
}

std::optional<raw_value> list_from_json(json::value const& value) {
  if (!value.is_array()) return std::nullopt;
  text_list entries;
  for (auto const& entry : value.get_array()) {
    if (!entry.is_string()) return std::nullopt;
    entries.emplace_back(entry.get_string());
  }
  return entries;
}

}  // namespace

std::optional<raw_value> from_text(value_kind kind, std::string_view text) {
  switch (kind) {
    case value_kind::integer:
      return integer_from_text(text);
    case value_kind::boolean:
      return boolean_from_text(text);
    case value_kind::text:
      return std::string{text};
    case value_kind::list:
      return list_from_text(text);
  }
  return std::nullopt;
}

std::optional<raw_value> from_json(value_kind kind, json::value const& value) {
  switch (kind) {
    case value_kind::integer:
      if (value.is_uint64()) return value.get_uint64();
      if (value.is_int64() && value.get_int64() >= 0) {
        return static_cast<std::uint64_t>(value.get_int64());
      }
      return std::nullopt;
    case value_kind::boolean:
      if (value.is_bool()) return value.get_bool();
      return std::nullopt;
    case value_kind::text:
      if (value.is_string()) return std::string{value.get_string()};
      return std::nullopt;
    case value_kind::list:
      return list_from_json(value);
  }
  return std::nullopt;
}

json::value to_json_value(raw_value const& value) {
  if (auto const* n = std::get_if<std::uint64_t>(&value)) {
    // Signed where possible, as parsed JSON is, so the two compare equal.
    if (*n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(*n);
    }
    return *n;
  }
  if (auto const* b = std::get_if<bool>(&value)) return *b;
  if (auto const* text = std::get_if<std::string>(&value)) return json::string{*text};
  json::array entries;
  for (auto const& entry : std::get<text_list>(value)) entries.emplace_back(entry);
  return entries;
}

}  // namespace wsd::config
