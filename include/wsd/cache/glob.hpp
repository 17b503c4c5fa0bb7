// Glob patterns over cache keys: `*` matches any run of characters (also an
// empty one), `?` exactly one, every other character itself. There is no
// escaping: cache keys never contain `*` or `?`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

namespace wsd::cache {

inline constexpr std::size_t max_pattern_bytes = 256;

// Whether `text` matches `pattern` as a whole. Iterative with one backtrack
// point, so "a*a*a*...b" costs O(pattern × text) at worst, never exponential.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

// A pattern from a client: non-empty, at most max_pattern_bytes, printable
// ASCII only (0x20-0x7E). The error is a message for the client.
boost::system::result<void, std::string> validate_pattern(std::string_view pattern);

}  // namespace wsd::cache
