#include "wsd/http/message.hpp"

namespace wsd::http {

namespace {

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  auto const first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  auto const last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

}  // namespace

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

bool is_json_content_type(std::string_view content_type) noexcept {
  auto const media = trim(content_type.substr(0, content_type.find(';')));
  auto const slash = media.find('/');
  if (slash == std::string_view::npos || !iequals(media.substr(0, slash), "application"))
    return false;
  auto const subtype = media.substr(slash + 1);
  if (iequals(subtype, "json")) return true;
  // A structured-syntax suffix needs a non-empty name before it ("vnd.x+json").
  return subtype.size() > 5 && iequals(subtype.substr(subtype.size() - 5), "+json") &&
         subtype.find_first_of(" \t/") == std::string_view::npos;
}

}  // namespace wsd::http
