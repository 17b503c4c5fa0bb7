#include "wsd/http/strict.hpp"

#include <cstring>

namespace wsd::http {

namespace {

bool is_tchar(char c) noexcept {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool is_visible(char c) noexcept {
  auto const u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f;
}

std::optional<core::error> check_request_line(std::string_view line) {
  auto const sp = line.find(' ');
  if (sp == std::string_view::npos) return core::bad_request("malformed request line");
  auto const method = line.substr(0, sp);
  if (method.empty() || method.size() > max_method_length)
    return core::bad_request("the method must be 1-32 token characters");
  for (char c : method)
    if (!is_tchar(c)) return core::bad_request("the method must be 1-32 token characters");
  auto const rest = line.substr(sp + 1);
  auto const target = rest.substr(0, rest.find(' '));
  for (char c : target)
    if (!is_visible(c))
      return core::bad_request(
          "the request-target must be visible ASCII (percent-encode the rest)");
  if (target == "*") {
    if (method != "OPTIONS") return core::bad_request("'*' is a request-target for OPTIONS only");
  } else if (target.empty() || target.front() != '/') {
    return core::bad_request("the request-target must be a path (origin-form)");
  }
  return std::nullopt;
}

// host = IP-literal / IPv4address / reg-name, then an optional :port.
bool valid_host(std::string_view host) noexcept {
  if (host.empty()) return false;
  if (host.front() == '[') {
    auto const close = host.find(']');
    if (close == std::string_view::npos) return false;
    for (char c : host.substr(1, close - 1))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
    host.remove_prefix(close + 1);
    if (host.empty()) return true;
    if (host.front() != ':') return false;
    host.remove_prefix(1);
    return host.find_first_not_of("0123456789") == std::string_view::npos && host.size() <= 5;
  }
  auto const colon = host.find(':');
  auto const name = host.substr(0, colon);
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-._~%!$&'()*+;=", c)))
      return false;
  if (colon == std::string_view::npos) return true;
  auto const port = host.substr(colon + 1);
  return port.find_first_not_of("0123456789") == std::string_view::npos && port.size() <= 5;
}

}  // namespace

std::size_t head_end(std::string_view data) noexcept {
  auto const end = data.find("\r\n\r\n");
  return end == std::string_view::npos ? 0 : end + 4;
}

bool has_bare_lf(std::string_view data) noexcept {
  for (auto pos = data.find('\n'); pos != std::string_view::npos; pos = data.find('\n', pos + 1))
    if (pos == 0 || data[pos - 1] != '\r') return true;
  return false;
}

std::optional<core::error> check_head(std::string_view head) {
  auto const eol = head.find("\r\n");
  if (eol == std::string_view::npos) return core::bad_request("malformed request line");
  if (auto e = check_request_line(head.substr(0, eol))) return e;
  if (has_bare_lf(head)) return core::bad_request("a header line ends with a bare LF");
  // A field line that starts with whitespace continues the previous one.
  for (auto pos = head.find('\n'); pos != std::string_view::npos && pos + 1 < head.size();
       pos = head.find('\n', pos + 1))
    if (head[pos + 1] == ' ' || head[pos + 1] == '\t')
      return core::bad_request("obs-fold (a header line starting with whitespace) is not accepted");
  return std::nullopt;
}

std::optional<core::error> check_host(std::span<std::string_view const> hosts, unsigned version) {
  if (hosts.empty()) {
    if (version >= 11) return core::bad_request("an HTTP/1.1 request needs a Host header");
    return std::nullopt;
  }
  if (hosts.size() > 1) return core::bad_request("more than one Host header");
  auto host = hosts.front();
  while (!host.empty() && (host.front() == ' ' || host.front() == '\t')) host.remove_prefix(1);
  while (!host.empty() && (host.back() == ' ' || host.back() == '\t')) host.remove_suffix(1);
  if (!valid_host(host)) return core::bad_request("invalid Host header");
  return std::nullopt;
}

}  // namespace wsd::http
