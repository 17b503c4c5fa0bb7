#include "wsd/core/error.hpp"

#include <stdexcept>

#include <boost/throw_exception.hpp>

namespace wsd::core {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::bad_request:
      return "bad_request";
    case errc::unauthorized:
      return "unauthorized";
    case errc::forbidden:
      return "forbidden";
    case errc::not_found:
      return "not_found";
    case errc::method_not_allowed:
      return "method_not_allowed";
    case errc::conflict:
      return "conflict";
    case errc::gone:
      return "gone";
    case errc::precondition_failed:
      return "precondition_failed";
    case errc::payload_too_large:
      return "payload_too_large";
    case errc::unsupported_media_type:
      return "unsupported_media_type";
    case errc::validation_failed:
      return "validation_failed";
    case errc::too_many_requests:
      return "too_many_requests";
    case errc::headers_too_large:
      return "headers_too_large";
    case errc::internal:
      return "internal";
    case errc::unavailable:
      return "service_unavailable";
    case errc::timeout:
      return "timeout";
  }
  return "internal";
}

void throw_exception_from_error(error const& e, boost::source_location const& loc) {
  boost::throw_exception(std::runtime_error(std::string(to_string(e.code)) + ": " + e.message),
                         loc);
}

error bad_request(std::string message) {
  return {errc::bad_request, std::move(message)};
}
error unauthorized(std::string message) {
  return {errc::unauthorized, std::move(message)};
}
error forbidden(std::string message) {
  return {errc::forbidden, std::move(message)};
}
error not_found(std::string message) {
  return {errc::not_found, std::move(message)};
}

error method_not_allowed(std::string allow) {
  error e(errc::method_not_allowed, "method not allowed; allowed: " + allow);
  e.allow = std::move(allow);
  return e;
}

error conflict(std::string message) {
  return {errc::conflict, std::move(message)};
}
error gone(std::string message) {
  return {errc::gone, std::move(message)};
}
error precondition_failed(std::string message) {
  return {errc::precondition_failed, std::move(message)};
}
error payload_too_large(std::string message) {
  return {errc::payload_too_large, std::move(message)};
}
error unsupported_media_type(std::string message) {
  return {errc::unsupported_media_type, std::move(message)};
}

error validation_failed(std::vector<field_error> details) {
  error e(errc::validation_failed, "validation failed");
  e.details = std::move(details);
  return e;
}

error too_many_requests(std::string message, std::chrono::seconds retry_after) {
  error e(errc::too_many_requests, std::move(message));
  e.retry_after = retry_after;
  return e;
}

error headers_too_large(std::string message) {
  return {errc::headers_too_large, std::move(message)};
}
error internal(std::string message) {
  return {errc::internal, std::move(message)};
}

error unavailable(std::string message, std::chrono::seconds retry_after) {
  error e(errc::unavailable, std::move(message));
  e.retry_after = retry_after;
  return e;
}

error timeout(std::string message) {
  return {errc::timeout, std::move(message)};
}

}  // namespace wsd::core
