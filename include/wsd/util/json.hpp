// JSON text in and out for every layer: strict parsing of a request body
// that must be one object, and string escaping for hand-written JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "wsd/core/error.hpp"

namespace wsd::util {

// Deepest nesting of arrays/objects a parsed document may have.
inline constexpr std::size_t max_json_depth = 64;

// Parses text that must be one JSON object. Invalid JSON or UTF-8, nesting
// deeper than max_json_depth, non-finite numbers (1e400), trailing data or a
// non-object are bad_request. Parsing is iterative up to the depth limit, so
// hostile input cannot exhaust the stack.
core::result<boost::json::object> parse_json_object(std::string_view text);

// Appends `text` as a JSON string literal (quoted, escaped). `text` is
// expected to be UTF-8; bytes >= 0x80 are copied as they are.
void append_json_string(std::string& out, std::string_view text);

}  // namespace wsd::util
