#include "wsd/http/message.hpp"

namespace wsd::http {

std::string_view to_string(method m) noexcept {
  switch (m) {
    case method::get:
      return "GET";
    case method::head:
      return "HEAD";
    case method::post:
      return "POST";
    case method::put:
      return "PUT";
    case method::patch:
      return "PATCH";
    case method::del:
      return "DELETE";
    case method::options:
      return "OPTIONS";
    case method::other:
      break;
  }
  return "OTHER";
}

std::string_view response::header(std::string_view name) const noexcept {
  for (auto const& [key, value] : headers)
    if (key == name) return value;
  return {};
}

body_ptr make_body(std::string text) {
  return std::make_shared<std::string const>(std::move(text));
}

response json_response(unsigned status, std::string body) {
  response res;
  res.status = status;
  res.body = make_body(std::move(body));
  return res;
}

response empty_response(unsigned status) {
  response res;
  res.status = status;
  res.content_type = {};
  return res;
}

std::string_view reason_phrase(unsigned status) noexcept {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

}  // namespace wsd::http
