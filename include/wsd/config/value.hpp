// A configuration value as read from any source (file, environment, command
// line), converted to its key's kind but not yet checked against the key.
// Internal to wsd::config.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/fwd.hpp>

namespace wsd::config {

enum class value_kind { integer, boolean, text };

using raw_value = std::variant<std::uint64_t, bool, std::string>;

// From the environment or the command line. Integers are unsigned decimal
// digits only; booleans true/false, 1/0, yes/no, on/off in any case.
std::optional<raw_value> from_text(value_kind kind, std::string_view text);

// From the configuration file, where each kind has its JSON type.
std::optional<raw_value> from_json(value_kind kind, boost::json::value const& value);

boost::json::value to_json_value(raw_value const& value);

}  // namespace wsd::config
