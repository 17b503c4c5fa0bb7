// JSON request bodies in, JSON text out: the checks every write endpoint
// applies before it looks at a field.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include "wsd/http/error.hpp"

namespace wsd::http {

// Deepest nesting of arrays/objects a request body may have.
inline constexpr std::size_t max_json_depth = 64;

// Parses a body that must be one JSON object. Invalid JSON or UTF-8, nesting
// deeper than max_json_depth, non-finite numbers (1e400), trailing data or a
// non-object are a 400 bad_request. Parsing is iterative up to the depth
// limit, so hostile input cannot exhaust the stack.
boost::system::result<boost::json::object, api_error> parse_json_object(std::string_view body);

// Whether a Content-Type value is JSON: application/json or application/*+json,
// case-insensitive, parameters (charset=utf-8) ignored.
bool is_json_content_type(std::string_view content_type) noexcept;

// Appends `text` as a JSON string literal (quoted, escaped). `text` is
// expected to be UTF-8; bytes >= 0x80 are copied as they are.
void append_json_string(std::string& out, std::string_view text);

}  // namespace wsd::http
