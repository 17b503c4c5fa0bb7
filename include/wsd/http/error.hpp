// The one error type of the API and its one writer: every error response of
// the server is produced by to_response() and has the SPEC's shape
// {"error":{"code","message","details"}}.
#pragma once

#include <string>
#include <vector>

#include "wsd/http/message.hpp"

namespace wsd::http {

struct field_error {
  std::string field;
  std::string message;
  bool operator==(field_error const&) const = default;
};

struct api_error {
  api_error() = default;
  // Not an aggregate on purpose: result<int, api_error> must not take an int
  // for an error.
  api_error(unsigned s, std::string m) : status(s), message(std::move(m)) {}

  unsigned status = 500;
  std::string message;
  std::vector<field_error> details;
  // Extra headers the status requires (Allow, Retry-After, WWW-Authenticate...).
  std::vector<std::pair<std::string_view, std::string>> headers;

  std::string_view code() const noexcept;
};

// The SPEC's error code for a status ("not_found" for 404...).
std::string_view error_code(unsigned status) noexcept;

// Constructors for the common cases.
api_error bad_request(std::string message);
api_error unauthorized(std::string message);
api_error forbidden(std::string message);
api_error not_found(std::string message);
api_error method_not_allowed(std::string allow);
api_error conflict(std::string message);
api_error precondition_failed(std::string message);
api_error payload_too_large(std::string message);
api_error unsupported_media_type(std::string message);
api_error validation_failed(std::vector<field_error> details);
api_error too_many_requests(std::string message, unsigned retry_after_seconds);
api_error headers_too_large(std::string message);
api_error internal_error(std::string message);
api_error service_unavailable(std::string message, unsigned retry_after_seconds);
api_error gateway_timeout(std::string message);

std::string to_json(api_error const& error);
response to_response(api_error const& error);

}  // namespace wsd::http
