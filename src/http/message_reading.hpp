// How the session reads a Beast request: the framing rules it enforces
// beyond Beast's parser, the errors a failed read answers, and the
// handler's view of a parsed message. Beast is in this header, so only the
// session's translation units include it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include "wsd/core/error.hpp"
#include "wsd/http/message.hpp"

namespace wsd::http {

using beast_parser = boost::beast::http::request_parser<boost::beast::http::string_body>;
using beast_request = boost::beast::http::request<boost::beast::http::string_body>;

// Whether a client's X-Request-Id can be echoed: 1-128 printable ASCII.
bool is_valid_request_id(std::string_view id) noexcept;
// A request id for a request that brought none (or an unusable one).
std::string new_request_id();

// Why a request's framing cannot be trusted (request smuggling, limits,
// Host), or nothing.
std::optional<core::error> framing_error(beast_parser const& parser, std::size_t max_body_bytes);

// Header fields and trailers together, in bytes, as they count against
// max_header_bytes.
std::size_t field_bytes(beast_request const& msg) noexcept;

// What a failed read of the header or body answers: an error to send before
// closing, or nothing when the peer is gone or too slow to deserve one.
std::optional<core::error> read_error(boost::system::error_code ec, bool in_body);

// The handler's view of a parsed message; views into the parser's storage.
request to_request(beast_request const& msg, std::string_view remote);

}  // namespace wsd::http
