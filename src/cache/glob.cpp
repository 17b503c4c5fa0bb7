#include "wsd/cache/glob.hpp"

namespace wsd::cache {

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  constexpr auto none = std::string_view::npos;
  std::size_t p = 0;
  std::size_t t = 0;
  // The latest `*` seen and the text position it currently stands in for.
  // Backtracking only to the latest star is enough: an earlier star can
  // absorb whatever a later one could, so older choices never need revisiting.
  std::size_t star = none;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != none) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

boost::system::result<void, std::string> validate_pattern(std::string_view pattern) {
  if (pattern.empty()) return std::string("pattern must not be empty");
  if (pattern.size() > max_pattern_bytes)
    return "pattern must be at most " + std::to_string(max_pattern_bytes) + " bytes";
  for (char const c : pattern) {
    auto const byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) return std::string("pattern must be printable ASCII");
  }
  return {};
}

}  // namespace wsd::cache
