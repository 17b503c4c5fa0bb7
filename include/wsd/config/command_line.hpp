// The command line: flags, --set and the shortcut flags, read into what
// parse() then applies over the file and the environment. help_text() is
// written from the same table of options. Internal to wsd::config.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "wsd/config/config.hpp"
#include "wsd/config/keys.hpp"

namespace wsd::config {

// A key's value from --set or a shortcut flag, applied after the environment.
struct assignment {
  key_def const* key;
  std::string value;
  std::string source;  // "in --set", "from --port"
};

struct command_line {
  command::kind what = command::run;
  std::optional<std::string> config_file;
  std::vector<assignment> assignments;  // in command-line order: the last one wins
};

// `args` are argv without the program name. Accepts `--name value` and
// `--name=value`. Unknown --set keys are refused here; values are checked
// when they are applied.
boost::system::result<command_line, std::string> parse_command_line(
    std::span<std::string_view const> args);

}  // namespace wsd::config
