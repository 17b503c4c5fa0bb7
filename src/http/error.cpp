#include "wsd/http/error.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace wsd::http {

std::string_view error_code(unsigned status) noexcept {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "request_timeout";
    case 409:
      return "conflict";
    case 412:
      return "precondition_failed";
    case 413:
      return "payload_too_large";
    case 415:
      return "unsupported_media_type";
    case 422:
      return "validation_failed";
    case 429:
      return "too_many_requests";
    case 431:
      return "headers_too_large";
    case 503:
      return "service_unavailable";
    case 504:
      return "timeout";
    default:
      return "internal";
  }
}

std::string_view api_error::code() const noexcept {
  return error_code(status);
}

namespace {
api_error make(unsigned status, std::string message) {
  return api_error(status, std::move(message));
}
}  // namespace

api_error bad_request(std::string message) {
  return make(400, std::move(message));
}

api_error unauthorized(std::string message) {
  auto e = make(401, std::move(message));
  e.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"wsd\"");
  return e;
}

api_error forbidden(std::string message) {
  return make(403, std::move(message));
}
api_error not_found(std::string message) {
  return make(404, std::move(message));
}

api_error method_not_allowed(std::string allow) {
  auto e = make(405, "method not allowed; allowed: " + allow);
  e.headers.emplace_back("Allow", std::move(allow));
  return e;
}

api_error conflict(std::string message) {
  return make(409, std::move(message));
}
api_error precondition_failed(std::string message) {
  return make(412, std::move(message));
}
api_error payload_too_large(std::string message) {
  return make(413, std::move(message));
}
api_error unsupported_media_type(std::string message) {
  return make(415, std::move(message));
}

api_error validation_failed(std::vector<field_error> details) {
  auto e = make(422, "validation failed");
  e.details = std::move(details);
  return e;
}

api_error too_many_requests(std::string message, unsigned retry_after_seconds) {
  auto e = make(429, std::move(message));
  e.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return e;
}

api_error headers_too_large(std::string message) {
  return make(431, std::move(message));
}
api_error internal_error(std::string message) {
  return make(500, std::move(message));
}

api_error service_unavailable(std::string message, unsigned retry_after_seconds) {
  auto e = make(503, std::move(message));
  e.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return e;
}

api_error gateway_timeout(std::string message) {
  return make(504, std::move(message));
}

std::string to_json(api_error const& error) {
  boost::json::array details;
  for (auto const& d : error.details)
    details.push_back(boost::json::object{{"field", d.field}, {"message", d.message}});
  boost::json::object inner{
      {"code", error.code()}, {"message", error.message}, {"details", std::move(details)}};
  return boost::json::serialize(boost::json::object{{"error", std::move(inner)}});
}

response to_response(api_error const& error) {
  auto res = json_response(error.status, to_json(error));
  for (auto const& [name, value] : error.headers) res.set(name, value);
  return res;
}

}  // namespace wsd::http
