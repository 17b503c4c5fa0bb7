#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <stdexcept>
#include <system_error>

namespace wsd::test {
namespace {

using steady = std::chrono::steady_clock;

[[noreturn]] void throw_errno(std::string const& what) {
  throw std::system_error{errno, std::generic_category(), what};
}

int poll_timeout(steady::time_point deadline) {
  auto const left = std::chrono::ceil<std::chrono::milliseconds>(deadline - steady::now());
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, INT_MAX));
}

// Waits until fd is ready for events; false on deadline.
bool await_ready(int fd, short events, steady::time_point deadline) {
  for (;;) {
    pollfd ready{fd, events, 0};
    auto const n = ::poll(&ready, 1, poll_timeout(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) throw_errno("poll");
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view trim(std::string_view text) {
  auto const first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  auto const last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

[[noreturn]] void malformed(std::string_view what, std::string_view text) {
  throw std::runtime_error{"malformed HTTP response (" + std::string{what} +
                           "): " + std::string{text}};
}

std::pair<std::string, std::string> parse_field(std::string_view line) {
  auto const colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' ||
      line.front() == '\t') {
    malformed("header field", line);
  }
  return {std::string{line.substr(0, colon)}, std::string{trim(line.substr(colon + 1))}};
}

// head: the status line and the header fields, without the blank line.
http_response parse_head(std::string_view head) {
  http_response response;
  auto const first_end = head.find("\r\n");
  auto const status_line = head.substr(0, first_end);
  auto const space = status_line.find(' ');
  if (!status_line.starts_with("HTTP/") || space == std::string_view::npos ||
      status_line.size() < space + 4) {
    malformed("status line", status_line);
  }
  response.version = status_line.substr(0, space);
  auto const code = status_line.substr(space + 1, 3);
  auto const [end, ec] = std::from_chars(code.data(), code.data() + code.size(), response.status);
  if (ec != std::errc{} || end != code.data() + code.size()) malformed("status code", status_line);
  response.reason = trim(status_line.substr(space + 4));

  auto rest = first_end == std::string_view::npos ? std::string_view{} : head.substr(first_end + 2);
  while (!rest.empty()) {
    auto const line_end = rest.find("\r\n");
    response.headers.push_back(parse_field(rest.substr(0, line_end)));
    rest = line_end == std::string_view::npos ? std::string_view{} : rest.substr(line_end + 2);
  }
  return response;
}

bool is_chunked(std::string_view transfer_encoding) {
  auto const comma = transfer_encoding.rfind(',');
  auto const last =
      comma == std::string_view::npos ? transfer_encoding : transfer_encoding.substr(comma + 1);
  return iequals(trim(last), "chunked");
}

std::size_t parse_size(std::string_view text, int base, std::string_view what) {
  text = trim(text);
  std::size_t size = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), size, base);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) malformed(what, text);
  return size;
}

enum class received { data, closed, timed_out };

received receive_into(int fd, std::string& buffer, steady::time_point deadline) {
  std::array<char, 16384> chunk{};
  for (;;) {
    if (!await_ready(fd, POLLIN, deadline)) return received::timed_out;
    auto const n = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (n > 0) {
      buffer.append(chunk.data(), static_cast<std::size_t>(n));
      return received::data;
    }
    if (n == 0 || errno == ECONNRESET || errno == EPIPE) return received::closed;
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) throw_errno("recv");
  }
}

int connect_loopback(std::uint16_t port, std::chrono::milliseconds timeout) {
  auto const fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw_errno("socket");
  int const one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto const failure = [&](int error) {
    ::close(fd);
    return std::system_error{error, std::generic_category(),
                             "connect to 127.0.0.1:" + std::to_string(port)};
  };
  if (::connect(fd, reinterpret_cast<sockaddr const*>(&address), sizeof address) != 0) {
    if (errno != EINPROGRESS) throw failure(errno);
    if (!await_ready(fd, POLLOUT, steady::now() + timeout)) throw failure(ETIMEDOUT);
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) throw failure(error);
  }
  return fd;
}

}  // namespace

std::string http_response::header(std::string_view name) const {
  auto const found =
      std::ranges::find_if(headers, [&](auto const& field) { return iequals(field.first, name); });
  return found == headers.end() ? std::string{} : found->second;
}

bool http_response::has_header(std::string_view name) const {
  return std::ranges::any_of(headers,
                             [&](auto const& field) { return iequals(field.first, name); });
}

std::string http_response::error_code() const {
  boost::system::error_code ec;
  auto const value = boost::json::parse(body, ec);
  auto const* error = !ec && value.is_object() ? value.as_object().if_contains("error") : nullptr;
  if (error == nullptr || !error->is_object()) return "<no error object>";
  auto const* code = error->as_object().if_contains("code");
  return code != nullptr && code->is_string() ? std::string(code->as_string()) : "<no code>";
}

boost::json::value http_response::json() const {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec) {
    throw std::runtime_error{"response body is not JSON (" + ec.message() + "): " + body};
  }
  return value;
}

http_client::http_client(std::uint16_t port, std::chrono::milliseconds timeout)
    : fd_{connect_loopback(port, timeout)}, port_{port}, timeout_{timeout} {}

http_client::~http_client() {
  if (fd_ >= 0) ::close(fd_);
}

http_client::http_client(http_client&& other) noexcept
    : fd_{std::exchange(other.fd_, -1)},
      port_{other.port_},
      timeout_{other.timeout_},
      buffer_{std::move(other.buffer_)},
      peer_closed_{other.peer_closed_} {}

http_client& http_client::operator=(http_client&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    port_ = other.port_;
    timeout_ = other.timeout_;
    buffer_ = std::move(other.buffer_);
    peer_closed_ = other.peer_closed_;
  }
  return *this;
}

http_response http_client::request(std::string_view method, std::string_view target,
                                   std::string_view body, header_list headers) {
  auto const has = [&](std::string_view name) {
    return std::ranges::any_of(headers,
                               [&](auto const& field) { return iequals(field.first, name); });
  };
  std::string text;
  text.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  if (!has("Host")) text += "Host: 127.0.0.1:" + std::to_string(port_) + "\r\n";
  bool const needs_length =
      !body.empty() || method == "POST" || method == "PATCH" || method == "PUT";
  if (needs_length && !has("Content-Length") && !has("Transfer-Encoding")) {
    text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  if (!body.empty() && !has("Content-Type")) text += "Content-Type: application/json\r\n";
  for (auto const& [name, value] : headers) text += name + ": " + value + "\r\n";
  text += "\r\n";
  text += body;
  send_raw(text);
  return read_response(method == "HEAD");
}

void http_client::send_raw(std::string_view bytes) {
  auto const deadline = steady::now() + timeout_;
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a server that closed the connection must fail the test,
    // not kill the test process with SIGPIPE.
    auto const n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!await_ready(fd_, POLLOUT, deadline)) {
        throw std::runtime_error{"timed out sending to 127.0.0.1:" + std::to_string(port_)};
      }
    } else if (errno != EINTR) {
      throw_errno("send to 127.0.0.1:" + std::to_string(port_));
    }
  }
}

http_response http_client::read_response(bool head_request) {
  auto const deadline = steady::now() + timeout_;
  for (;;) {
    auto const head_end = await("\r\n\r\n", deadline);
    auto response = parse_head(std::string_view{buffer_}.substr(0, head_end));
    buffer_.erase(0, head_end + 4);
    bool const interim = response.status >= 100 && response.status < 200;
    if (interim && response.status != 101) continue;
    if (head_request || interim || response.status == 204 || response.status == 304) {
      return response;
    }
    if (auto const coding = response.header("Transfer-Encoding"); !coding.empty()) {
      if (is_chunked(coding)) {
        read_chunked(response, deadline);
        return response;
      }
    } else if (auto const length = response.header("Content-Length"); !length.empty()) {
      response.body = take(parse_size(length, 10, "Content-Length"), deadline);
      return response;
    }
    while (receive(deadline)) {
    }
    response.body = std::exchange(buffer_, {});
    return response;
  }
}

bool http_client::wait_closed(std::chrono::milliseconds timeout) {
  auto const deadline = steady::now() + timeout;
  while (!peer_closed_) {
    auto const result = receive_into(fd_, buffer_, deadline);
    if (result == received::timed_out) return false;
    peer_closed_ = result == received::closed;
  }
  return true;
}

bool http_client::is_open() const {
  if (fd_ < 0 || peer_closed_) return false;
  char byte = 0;
  auto const n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
}

// True if data arrived, false if the peer closed; throws on deadline.
bool http_client::receive(steady::time_point deadline) {
  if (peer_closed_) return false;
  switch (receive_into(fd_, buffer_, deadline)) {
    case received::data:
      return true;
    case received::closed:
      peer_closed_ = true;
      return false;
    case received::timed_out:
      break;
  }
  throw std::runtime_error{"timed out after " + std::to_string(timeout_.count()) +
                           " ms waiting for 127.0.0.1:" + std::to_string(port_) +
                           "; received so far: " + buffer_};
}

// Position of delimiter in buffer_, reading until it arrives.
std::size_t http_client::await(std::string_view delimiter, steady::time_point deadline) {
  for (std::size_t from = 0;;) {
    if (auto const found = buffer_.find(delimiter, from); found != std::string::npos) return found;
    from = buffer_.size() >= delimiter.size() ? buffer_.size() - delimiter.size() + 1 : 0;
    if (!receive(deadline)) {
      throw std::runtime_error{"connection closed before a complete response; received: " +
                               buffer_};
    }
  }
}

std::string http_client::take_line(steady::time_point deadline) {
  auto const end = await("\r\n", deadline);
  auto line = buffer_.substr(0, end);
  buffer_.erase(0, end + 2);
  return line;
}

std::string http_client::take(std::size_t size, steady::time_point deadline) {
  while (buffer_.size() < size) {
    if (!receive(deadline)) {
      throw std::runtime_error{"connection closed after " + std::to_string(buffer_.size()) +
                               " of " + std::to_string(size) + " body bytes"};
    }
  }
  auto bytes = buffer_.substr(0, size);
  buffer_.erase(0, size);
  return bytes;
}

void http_client::read_chunked(http_response& response, steady::time_point deadline) {
  for (;;) {
    auto const line = take_line(deadline);
    auto const size =
        parse_size(std::string_view{line}.substr(0, line.find(';')), 16, "chunk size");
    if (size == 0) break;
    response.body += take(size, deadline);
    if (!take_line(deadline).empty()) malformed("chunk end", line);
  }
  for (auto line = take_line(deadline); !line.empty(); line = take_line(deadline)) {
    response.headers.push_back(parse_field(line));
  }
}

http_response request(std::uint16_t port, std::string_view method, std::string_view target,
                      std::string_view body, header_list headers) {
  http_client client{port};
  return client.request(method, target, body, std::move(headers));
}

std::string login(std::uint16_t port, std::string_view user, std::string_view password) {
  auto const body =
      boost::json::serialize(boost::json::object{{"username", user}, {"password", password}});
  auto const response = request(port, "POST", "/api/auth/login", body);
  auto const failure = [&] {
    return std::runtime_error{"login as " + std::string{user} + " answered " +
                              std::to_string(response.status) + ": " + response.body};
  };
  if (response.status != 200) throw failure();
  auto const json = response.json();
  auto const* token = json.is_object() ? json.as_object().if_contains("access_token") : nullptr;
  if (token == nullptr || !token->is_string()) throw failure();
  return std::string{token->as_string()};
}

std::pair<std::string, std::string> bearer(std::string_view token) {
  return {"Authorization", "Bearer " + std::string{token}};
}

}  // namespace wsd::test
