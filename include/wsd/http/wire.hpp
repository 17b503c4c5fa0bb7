// The bytes of HTTP/1.1 that the session writes by hand: status line and
// headers of a response, the Date header, and the token comparisons the
// parser's callers need. Pure, so they are unit-tested without a socket.
#pragma once

#include <string>
#include <string_view>

#include "wsd/http/message.hpp"

namespace wsd::http {

// Whether a response with this status carries a body (not 1xx, 204, 304).
bool has_body(unsigned status) noexcept;

// "Date: <IMF-fixdate>\r\n" for the current second (formatted once a second
// per thread).
std::string_view date_header();

// Replaces `out` with the status line and headers of `res` for an
// HTTP/1.`version % 10` peer, ending with the blank line.
void write_head(std::string& out, response const& res, unsigned version, bool keep_alive);

// ASCII case-insensitive equality (header names, tokens).
bool iequals(std::string_view a, std::string_view b) noexcept;

// Without leading and trailing spaces and tabs (optional whitespace).
std::string_view trim_ows(std::string_view s) noexcept;

}  // namespace wsd::http
