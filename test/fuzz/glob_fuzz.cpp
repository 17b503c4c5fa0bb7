// The cache's glob matcher: any pattern against any key, plus properties a
// correct matcher has. Input: pattern, a NUL byte, text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wsd/cache/glob.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::string_view const input(reinterpret_cast<char const*>(data), size);
  auto const split = input.find('\0');
  auto const pattern = input.substr(0, split);
  auto const text = split == std::string_view::npos ? std::string_view() : input.substr(split + 1);

  (void)wsd::cache::validate_pattern(pattern);
  bool const matched = wsd::cache::glob_match(pattern, text);

  // Without wildcards a pattern matches only itself.
  if (pattern.find_first_of("*?") == std::string_view::npos) require(matched == (pattern == text));
  // Every text matches itself when it has no wildcards of its own.
  if (text.find_first_of("*?") == std::string_view::npos)
    require(wsd::cache::glob_match(text, text));
  // A leading and trailing "*" only widen a match.
  if (matched) require(wsd::cache::glob_match("*" + std::string(pattern) + "*", text));
  require(wsd::cache::glob_match("*", text));
  return 0;
}
