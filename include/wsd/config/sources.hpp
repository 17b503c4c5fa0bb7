// Where settings come from besides the command line: the JSON file and the
// WSD_* environment. Internal to wsd::config.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wsd/config/config.hpp"
#include "wsd/config/keys.hpp"

namespace wsd::config {

// Reads `explicit_file` (--config), else `default_file` if it exists: a
// missing default file is fine, a missing explicit one is a mistake.
outcome apply_file(settings& config, std::optional<std::string> const& explicit_file,
                   std::filesystem::path const& default_file);

// Asks `getenv` for WSD_SECTION_KEY of every key, the shortcuts and the secrets;
// nothing else. A null `getenv` means no environment.
outcome apply_environment(settings& config, getenv_function const& getenv);

// A short environment name for a key (WSD_PORT for server.port).
struct env_shortcut {
  std::string_view variable;
  std::string_view key;
};

std::span<env_shortcut const> env_shortcuts();

}  // namespace wsd::config
