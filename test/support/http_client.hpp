// A small, strict HTTP/1.1 client for integration tests: one keep-alive TCP
// connection to 127.0.0.1, blocking reads bounded by a timeout, and raw access
// to the bytes on the wire for pipelining and malformed-request tests. It
// never reconnects, so a test sees exactly what the server did to the
// connection.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wsd::test {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_response {
  int status = 0;
  std::string reason;
  std::string version;  // "HTTP/1.1"
  header_list headers;
  std::string body;

  // The first value of name (case-insensitive), "" if absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // Throws std::runtime_error quoting the body if it is not JSON.
  boost::json::value json() const;
  // The "code" of the SPEC's error body {"error":{"code",...}}, or
  // "<no error object>" / "<no code>" when the body has none.
  std::string error_code() const;
};

class http_client {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error if that fails.
  explicit http_client(std::uint16_t port,
                       std::chrono::milliseconds timeout = std::chrono::seconds{10});
  ~http_client();
  http_client(http_client&& other) noexcept;
  http_client& operator=(http_client&& other) noexcept;
  http_client(http_client const&) = delete;
  http_client& operator=(http_client const&) = delete;

  // Sends an HTTP/1.1 request and reads its response. Adds Host; adds
  // Content-Length when the body is non-empty or the method is POST, PATCH or
  // PUT; adds Content-Type: application/json to a non-empty body without one.
  // Headers given here are sent as they are and suppress those defaults.
  http_response request(std::string_view method, std::string_view target,
                        std::string_view body = {}, header_list headers = {});

  void send_raw(std::string_view bytes);
  // Reads one response (skipping 1xx interim ones): Content-Length, chunked,
  // or up to the close. Throws std::runtime_error on timeout, on a malformed
  // response and when the connection closes before the response is complete.
  http_response read_response(bool head_request = false);

  // True once the peer closed the connection (end of file or reset) within
  // timeout. Whatever arrives meanwhile is kept for read_response().
  bool wait_closed(std::chrono::milliseconds timeout);
  // False once the peer is known to have closed the connection.
  bool is_open() const;

 private:
  bool receive(std::chrono::steady_clock::time_point deadline);
  std::size_t await(std::string_view delimiter, std::chrono::steady_clock::time_point deadline);
  std::string take_line(std::chrono::steady_clock::time_point deadline);
  std::string take(std::size_t size, std::chrono::steady_clock::time_point deadline);
  void read_chunked(http_response& response, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::chrono::milliseconds timeout_;
  std::string buffer_;  // received but not yet consumed
  bool peer_closed_ = false;
};

// One request on a fresh connection.
http_response request(std::uint16_t port, std::string_view method, std::string_view target,
                      std::string_view body = {}, header_list headers = {});

// POSTs {"username","password"} to /api/auth/login and returns access_token;
// throws std::runtime_error with the response if the status is not 200.
std::string login(std::uint16_t port, std::string_view user, std::string_view password);

// {"Authorization", "Bearer <token>"}.
std::pair<std::string, std::string> bearer(std::string_view token);

}  // namespace wsd::test
