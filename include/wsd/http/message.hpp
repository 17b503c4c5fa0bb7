// The server's own request and response types. They keep Boost.Beast out of
// everything but the session, so handlers compile fast and stay testable
// without sockets.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wsd::http {

enum class method : std::uint8_t { get, head, post, put, patch, del, options, other };

std::string_view to_string(method m) noexcept;

// A parsed request. Views point into the session's buffers and live as long
// as the handler call.
struct request {
  method verb = method::get;
  std::string_view target;  // path + query, as sent
  std::string_view path;    // before '?'
  std::string_view query;   // after '?', without it
  std::string_view body;
  std::string_view authorization;
  std::string_view content_type;
  std::string_view if_match;
  std::string_view if_none_match;
  std::string_view idempotency_key;
  std::string_view accept_encoding;  // empty when absent
  std::string_view remote;           // "ip:port" of the peer
};

using body_ptr = std::shared_ptr<std::string const>;

// A response ready to serialize. Bodies are shared so cached responses are
// sent without copying.
struct response {
  unsigned status = 200;
  std::string_view content_type = "application/json";
  body_ptr body;
  // Header names are always string literals; values are owned.
  std::vector<std::pair<std::string_view, std::string>> headers;

  response& set(std::string_view name, std::string value) {
    headers.emplace_back(name, std::move(value));
    return *this;
  }
  std::string_view header(std::string_view name) const noexcept;
  std::size_t body_size() const noexcept { return body ? body->size() : 0; }
};

body_ptr make_body(std::string text);

// A JSON response with the given status and already-serialized body.
response json_response(unsigned status, std::string body);
// A response with no body (204, 304).
response empty_response(unsigned status);

std::string_view reason_phrase(unsigned status) noexcept;

// Whether a Content-Type value is JSON: application/json or application/*+json,
// case-insensitive, parameters (charset=utf-8) ignored.
bool is_json_content_type(std::string_view content_type) noexcept;

}  // namespace wsd::http
