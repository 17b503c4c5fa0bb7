// A configuration value as read from any source (file, environment, command
// line), converted to its key's kind but not yet checked against the key.
// Internal to wsd::config.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/fwd.hpp>

namespace wsd::config {

enum class value_kind { integer, boolean, text, list };

using text_list = std::vector<std::string>;
using raw_value = std::variant<std::uint64_t, bool, std::string, text_list>;

// From the environment or the command line. Integers are unsigned decimal
// digits only; booleans true/false, 1/0, yes/no, on/off in any case; a list is
// a JSON array of strings or comma-separated entries (spaces around an entry
// are dropped; an empty text is the empty list, an empty entry is refused).
std::optional<raw_value> from_text(value_kind kind, std::string_view text);

// From the configuration file, where each kind has its JSON type (a list is
// an array of strings).
std::optional<raw_value> from_json(value_kind kind, boost::json::value const& value);

boost::json::value to_json_value(raw_value const& value);

}  // namespace wsd::config
