#include "wsd/config/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "wsd/config/command_line.hpp"
#include "wsd/config/keys.hpp"
#include "wsd/config/sources.hpp"

namespace wsd::config {

// Defaults, then the file, then the environment, then the command line.
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

boost::json::object to_json(settings const& config) {
  boost::json::object out;
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

// Half, so that a login flood leaves the other half of the cores to the
// io threads and everything else they serve.
unsigned effective_hash_threads(settings const& config) {
  if (config.auth.hash_threads != 0) return config.auth.hash_threads;
  return std::max(1U, std::thread::hardware_concurrency() / 2);
}

}  // namespace wsd::config
