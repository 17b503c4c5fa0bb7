// The strict reading of a request head that RFC 9112 asks of a server and
// that Beast's parser is lenient about: obs-fold, the request line's method
// and target, and exactly one valid Host on HTTP/1.1. Pure functions over
// the raw bytes and parsed values, unit-tested without a socket.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "wsd/core/error.hpp"

namespace wsd::http {

// Longest method token accepted; ours are at most 7 characters.
inline constexpr std::size_t max_method_length = 32;

// Checks a complete header section (request line through the blank line):
// a method of 1-32 token characters, a request-target of visible ASCII in
// origin form ("/..."), or "*" for OPTIONS, and no obs-fold (a field line
// starting with a space or tab, which could hide a Transfer-Encoding).
std::optional<core::error> check_head(std::string_view head);

// Checks the Host fields of a request: HTTP/1.1 needs exactly one, and it
// must be a valid host[:port] (no userinfo, path or list).
std::optional<core::error> check_host(std::span<std::string_view const> hosts, unsigned version);

// Whether a line in `data` ends with a bare LF (no CR before it). RFC 9112
// lets a server reject these; Beast's parser would instead wait for a CR
// that never comes. Used on an incomplete header section and on the chunked
// framing (chunk-size lines, trailers) the body parser has not consumed.
bool has_bare_lf(std::string_view data) noexcept;

// Where the header section in `data` ends (just past its blank line), or 0
// when it is not complete yet.
std::size_t head_end(std::string_view data) noexcept;

}  // namespace wsd::http
