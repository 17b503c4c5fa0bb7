// The table of configuration keys: the only place a key is declared. The
// file, the environment, --set, help_text() and to_json() all read it.
// Internal to wsd::config.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "wsd/config/config.hpp"
#include "wsd/config/value.hpp"

namespace wsd::config {

using outcome = boost::system::result<void, std::string>;

struct key_def {
  std::string_view name;  // "section.key"
  value_kind kind;
  std::string expected;  // what a valid value looks like, for error messages
  std::string_view help;
  // Checks the value against the key and stores it. On refusal the error is
  // the one part of the value at fault (an entry of a list), or empty when it
  // is the value as a whole.
  std::function<outcome(settings&, raw_value const&)> store;
  std::function<raw_value(settings const&)> load;
};

// In the order help_text() and to_json() list them.
std::vector<key_def> const& keys();

key_def const* find_key(std::string_view name);

// Whether some key is named "section.…".
bool is_section(std::string_view section);

// "server.max_body_bytes" -> "WSD_SERVER_MAX_BODY_BYTES"
std::string env_name(std::string_view key);

// Quotes a value for a message, shortened so a stray blob does not flood the terminal.
std::string quote(std::string_view text);

// Stores `value` (nullopt: it did not even convert to the key's kind). The
// error names the key, shows the value as `shown` and says where it came
// from: `source` reads like "from WSD_PORT", "in --set", "in conf/wsd.json".
outcome store(settings& config, key_def const& key, std::optional<raw_value> const& value,
              std::string_view shown, std::string_view source);

// store() for a value given as text (environment, command line).
outcome assign_text(settings& config, key_def const& key, std::string_view text,
                    std::string_view source);

}  // namespace wsd::config
