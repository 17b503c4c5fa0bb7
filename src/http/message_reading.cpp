#include "message_reading.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <random>
#include <span>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "wsd/http/strict.hpp"
#include "wsd/http/wire.hpp"

namespace wsd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr std::size_t max_header_fields = 100;

method from_beast(bhttp::verb v) noexcept {
  switch (v) {
    case bhttp::verb::get:
      return method::get;
    case bhttp::verb::head:
      return method::head;
    case bhttp::verb::post:
      return method::post;
    case bhttp::verb::put:
      return method::put;
    case bhttp::verb::patch:
      return method::patch;
    case bhttp::verb::delete_:
      return method::del;
    case bhttp::verb::options:
      return method::options;
    default:
      return method::other;
  }
}

// The headers handlers use, in one pass over the fields.
void collect_headers(bhttp::request<bhttp::string_body> const& msg, request& req) {
  for (auto const& f : msg) {
    switch (f.name()) {
      case bhttp::field::authorization:
        req.authorization = f.value();
        break;
      case bhttp::field::content_type:
        req.content_type = f.value();
        break;
      case bhttp::field::if_match:
        req.if_match = f.value();
        break;
      case bhttp::field::if_none_match:
        req.if_none_match = f.value();
        break;
      case bhttp::field::accept_encoding:
        req.accept_encoding = f.value();
        break;
      case bhttp::field::unknown:
        if (iequals(f.name_string(), "Idempotency-Key")) req.idempotency_key = f.value();
        break;
      default:
        break;
    }
  }
}

}  // namespace

// Whether a client's X-Request-Id can be echoed: 1-128 printable ASCII
// characters (0x20-0x7E), so it can split neither a header nor a log line.
bool is_valid_request_id(std::string_view id) noexcept {
  return !id.empty() && id.size() <= 128 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// A request id for a request that brought none (or an unusable one): a
// per-process random prefix and a counter, unique without a lock or a syscall.
std::string new_request_id() {
  static std::string const prefix = [] {
    std::random_device rd;
    char buf[24];
    std::snprintf(buf, sizeof buf, "%08x%08x-", rd(), rd());
    return std::string(buf);
  }();
  static std::atomic<std::uint64_t> counter{0};
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx",
                static_cast<unsigned long long>(counter.fetch_add(1, std::memory_order_relaxed)));
  return prefix + buf;
}

// Why a request's framing cannot be trusted (request smuggling, limits),
// or nothing. Only a lone "chunked" Transfer-Encoding on HTTP/1.1 is accepted.
std::optional<core::error> framing_error(bhttp::request_parser<bhttp::string_body> const& parser,
                                         std::size_t max_body_bytes) {
  auto const& header = parser.get();
  if (static_cast<std::size_t>(std::distance(header.begin(), header.end())) > max_header_fields)
    return core::headers_too_large("more than 100 header fields");
  if (header.find(bhttp::field::transfer_encoding) != header.end()) {
    auto const te = header[bhttp::field::transfer_encoding];
    if (header.version() == 10 || !iequals(trim_ows(te), "chunked") ||
        header.find(bhttp::field::content_length) != header.end())
      return core::bad_request("unsupported Transfer-Encoding");
  }
  if (auto const len = parser.content_length(); len && *len > max_body_bytes)
    return core::payload_too_large("request body exceeds server.max_body_bytes");
  std::array<std::string_view, 2> hosts;
  std::size_t count = 0;
  for (auto const& f : header) {
    if (f.name() != bhttp::field::host) continue;
    if (count < hosts.size()) hosts[count] = f.value();
    ++count;
  }
  return check_host(std::span<std::string_view const>(hosts.data(), std::min(count, hosts.size())),
                    header.version());
}

// Header fields and trailers together, in bytes, as they count against
// max_header_bytes.
std::size_t field_bytes(bhttp::request<bhttp::string_body> const& msg) noexcept {
  std::size_t total = 0;
  for (auto const& f : msg) total += f.name_string().size() + f.value().size() + 4;
  return total;
}

// What a failed read of the header or body answers: an error to send before
// closing, or nothing when the peer is gone or too slow to deserve one.
std::optional<core::error> read_error(boost::system::error_code ec, bool in_body) {
  // An endless chunk line (extension) fills the bounded buffer.
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
    return core::headers_too_large(
        "request headers, chunk extensions or trailers exceed server.max_header_bytes");
  // Beast checks Content-Length against the body limit with the headers.
  if (ec == bhttp::error::body_limit)
    return core::payload_too_large("request body exceeds server.max_body_bytes");
  if (ec == beast::error::timeout || ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
      ec == bhttp::error::partial_message || ec == asio::error::operation_aborted ||
      ec == asio::error::connection_reset)
    return std::nullopt;
  return core::bad_request(
      std::string(in_body ? "malformed request body: " : "malformed request: ") + ec.message());
}

// The handler's view of a parsed message; views into the parser's storage.
request to_request(bhttp::request<bhttp::string_body> const& msg, std::string_view remote) {
  request req;
  req.verb = from_beast(msg.method());
  req.target = msg.target();
  auto const q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string_view::npos) req.query = req.target.substr(q + 1);
  req.body = msg.body();
  collect_headers(msg, req);
  req.remote = remote;
  return req;
}

}  // namespace wsd::http
