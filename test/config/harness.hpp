// What the config unit tests share: parse() with a map for the environment,
// temporary configuration files, and short ways to read an outcome.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "wsd/config/config.hpp"

namespace wsd::config::test {

using env_map = std::map<std::string, std::string, std::less<>>;
using parse_result = boost::system::result<command, std::string>;

inline std::filesystem::path const no_default_file =
    std::filesystem::temp_directory_path() / "wsd_config_test_absent.json";

// A JSON file in the temp directory, removed again when the test ends.
class temp_file {
 public:
  explicit temp_file(std::string_view content) {
    // ctest runs test cases as parallel processes: the name must differ across them too.
    static auto const process_tag = std::random_device{}();
    static std::atomic<unsigned> counter{0};
    path_ =
        std::filesystem::temp_directory_path() / ("wsd_config_test_" + std::to_string(process_tag) +
                                                  "_" + std::to_string(counter++) + ".json");
    std::ofstream{path_} << content;
  }
  temp_file(temp_file const&) = delete;
  temp_file& operator=(temp_file const&) = delete;
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Runs parse() with a map for the environment and records every name asked for.
struct harness {
  env_map env;
  std::filesystem::path default_file = no_default_file;
  std::vector<std::string> asked;

  parse_result parse(std::vector<std::string_view> const& args) {
    return wsd::config::parse(
        args,
        [this](std::string_view name) -> std::optional<std::string> {
          asked.emplace_back(name);
          if (auto const it = env.find(name); it != env.end()) return it->second;
          return std::nullopt;
        },
        default_file);
  }
};

inline parse_result parse(std::vector<std::string_view> const& args, env_map env = {}) {
  harness h;
  h.env = std::move(env);
  return h.parse(args);
}

inline settings parsed(std::vector<std::string_view> const& args, env_map env = {}) {
  auto const r = parse(args, std::move(env));
  REQUIRE_MESSAGE(r.has_value(), r.error());
  return r->config;
}

inline std::string error_of(parse_result const& r) {
  return r.has_error() ? r.error() : std::string{"<no error>"};
}

inline bool mentions(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// `--set key=value` fails with a message naming the key.
inline bool rejects(std::string_view key, std::string_view value) {
  auto const assignment = std::string{key} + "=" + std::string{value};
  auto const r = parse({"--set", assignment});
  return r.has_error() && mentions(r.error(), "'" + std::string{key} + "'");
}

}  // namespace wsd::config::test
