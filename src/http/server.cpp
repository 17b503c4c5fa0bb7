// The only translation unit of the server that includes Boost.Beast.
#include "wsd/http/server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "message_reading.hpp"
#include "wsd/http/error.hpp"
#include "wsd/http/strict.hpp"
#include "wsd/http/wire.hpp"

namespace wsd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using std::chrono::steady_clock;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// The bytes read and not consumed yet.
std::string_view pending(beast::flat_buffer const& buffer) noexcept {
  return {static_cast<char const*>(buffer.data().data()), buffer.size()};
}

}  // namespace

// What a connection's read buffer may hold beyond the header limit: room
// for one read, so whatever a client sends, a connection's memory stays
// within max_header_bytes + read_slack (plus the body, up to its limit).
constexpr std::size_t read_slack = 16 * 1024;

// A connection's deadline is a time stored before each read or write, not a
// timer operation: the server's one reaper timer cancels the socket
// operations of every connection found past its deadline (see reap).
struct connection : std::enable_shared_from_this<connection> {
  static constexpr auto never = std::numeric_limits<steady_clock::rep>::max();

  connection(tcp::socket s, std::size_t max_buffer) : socket(std::move(s)), buffer(max_buffer) {}

  void expires_after(steady_clock::duration d) noexcept {
    deadline.store((steady_clock::now() + d).time_since_epoch().count(), std::memory_order_relaxed);
  }
  bool expired(steady_clock::time_point now) const noexcept {
    return deadline.load(std::memory_order_relaxed) <= now.time_since_epoch().count();
  }

  tcp::socket socket;
  std::atomic<steady_clock::rep> deadline{never};
  beast::flat_buffer buffer;
  std::string remote;
  std::string head;  // reused for every response's status line and headers
  bool idle = true;  // touched only on the connection's strand
};

struct server::state : std::enable_shared_from_this<server::state> {
  state(asio::io_context& io, config::server_settings s, handler_fn h, metrics::registry& m,
        log::logger& l)
      : ioc(io),
        settings(std::move(s)),
        handler(std::move(h)),
        metrics(m),
        logger(l),
        acceptor(asio::make_strand(io)),
        reaper(asio::make_strand(io)) {}

  asio::io_context& ioc;
  config::server_settings settings;
  handler_fn handler;
  metrics::registry& metrics;
  log::logger& logger;
  tcp::acceptor acceptor;
  asio::steady_timer reaper;
  std::atomic<bool> stopping{false};
  std::mutex connections_mutex;
  std::unordered_set<std::shared_ptr<connection>> connections;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> reap();
  asio::awaitable<void> serve(std::shared_ptr<connection> conn);
  asio::awaitable<bool> serve_one(connection& conn);
  asio::awaitable<core::result<std::size_t>> read_head(connection& conn);
  asio::awaitable<bool> read_request(connection& conn,
                                     bhttp::request_parser<bhttp::string_body>& parser);
  asio::awaitable<bool> read_body(connection& conn,
                                  bhttp::request_parser<bhttp::string_body>& parser,
                                  unsigned version);
  asio::awaitable<response> answer(request const& req);
  asio::awaitable<void> send(connection& conn, response const& res, unsigned version,
                             bool keep_alive, bool head_only);
  asio::awaitable<void> send_error(connection& conn, core::error const& e, unsigned version);
};

server::server(asio::io_context& ioc, config::server_settings settings, handler_fn handler,
               metrics::registry& metrics, log::logger& logger)
    : state_(
          std::make_shared<state>(ioc, std::move(settings), std::move(handler), metrics, logger)) {}

server::~server() = default;

boost::system::result<std::uint16_t, std::string> server::listen() {
  auto& s = *state_;
  boost::system::error_code ec;
  tcp::resolver resolver(s.ioc);
  auto const results =
      resolver.resolve(s.settings.host, std::to_string(s.settings.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty())
    return "cannot resolve server.host '" + s.settings.host + "': " + ec.message();
  tcp::endpoint const endpoint = *results.begin();
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return "cannot listen on " + s.settings.host + ":" + std::to_string(s.settings.port) + ": " +
           ec.message();
  return s.acceptor.local_endpoint().port();
}

void server::start() {
  asio::co_spawn(state_->acceptor.get_executor(), state_->accept_loop(), asio::detached);
  asio::co_spawn(state_->reaper.get_executor(), state_->reap(), asio::detached);
}

// How often the reaper looks: a fraction of the shortest timeout, so that a
// deadline is enforced within about an eighth of its length.
steady_clock::duration reap_interval(config::server_settings const& s) {
  auto const shortest = std::min({s.header_timeout, s.idle_timeout, s.send_timeout});
  return std::clamp<steady_clock::duration>(shortest / 8, std::chrono::milliseconds(10),
                                            std::chrono::milliseconds(250));
}

// One timer for all connections instead of one timer operation per read and
// write: each tick, the connections past their deadline get their pending
// socket operations cancelled, on their own strand (where the operation
// completes with operation_aborted and the session closes).
asio::awaitable<void> server::state::reap() {
  auto self = shared_from_this();
  auto const interval = reap_interval(settings);
  while (!stopping.load()) {
    reaper.expires_after(interval);
    if (auto [ec] = co_await reaper.async_wait(nothrow); ec) break;
    auto const now = steady_clock::now();
    std::lock_guard lock(connections_mutex);
    for (auto const& conn : connections) {
      if (!conn->expired(now)) continue;
      asio::post(conn->socket.get_executor(), [conn, now] {
        if (!conn->expired(now)) return;  // a new deadline was set meanwhile
        conn->deadline.store(connection::never, std::memory_order_relaxed);
        boost::system::error_code ignored;
        conn->socket.cancel(ignored);
      });
    }
  }
}

asio::awaitable<void> server::state::accept_loop() {
  auto self = shared_from_this();
  while (!stopping.load()) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), nothrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping.load()) break;
      // Out of descriptors and the like: back off instead of spinning.
      logger.write(log::level::warn, "accept failed: " + ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(nothrow);
      continue;
    }
    metrics.connections.accepted.fetch_add(1, std::memory_order_relaxed);
    if (metrics.connections.active.load() >= static_cast<std::int64_t>(settings.max_connections)) {
      metrics.connections.rejected.fetch_add(1, std::memory_order_relaxed);
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    metrics.connections.active.fetch_add(1);
    auto conn =
        std::make_shared<connection>(std::move(socket), settings.max_header_bytes + read_slack);
    {
      std::lock_guard lock(connections_mutex);
      connections.insert(conn);
    }
    auto const executor = conn->socket.get_executor();
    asio::co_spawn(executor, serve(std::move(conn)), asio::detached);
  }
}

asio::awaitable<void> server::state::serve(std::shared_ptr<connection> conn) {
  auto self = shared_from_this();
  boost::system::error_code ec;
  auto const ep = conn->socket.remote_endpoint(ec);
  if (!ec) conn->remote = ep.address().to_string() + ":" + std::to_string(ep.port());
  conn->socket.set_option(tcp::no_delay(true), ec);
  try {
    bool first = true;
    while (!stopping.load()) {
      // Between requests the connection is idle: a client that sends nothing
      // is dropped after idle_timeout (header_timeout for a fresh one).
      conn->idle = true;
      if (conn->buffer.size() == 0) {
        conn->expires_after(first ? settings.header_timeout : settings.idle_timeout);
        auto [rec, n] = co_await conn->socket.async_read_some(conn->buffer.prepare(4096), nothrow);
        if (rec) break;
        conn->buffer.commit(n);
      }
      first = false;
      conn->idle = false;
      if (!co_await serve_one(*conn)) break;
    }
  } catch (std::exception const& e) {
    logger.write(log::level::error, std::string("connection error: ") + e.what());
  }
  conn->socket.shutdown(tcp::socket::shutdown_send, ec);
  conn->socket.close(ec);
  {
    std::lock_guard lock(connections_mutex);
    connections.erase(conn);
  }
  metrics.connections.active.fetch_sub(1);
}

// Reads, handles and answers one request; false when the connection must close.
asio::awaitable<bool> server::state::serve_one(connection& conn) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(settings.max_header_bytes));
  parser.body_limit(settings.max_body_bytes);
  if (!co_await read_request(conn, parser)) co_return false;

  auto const started = steady_clock::now();
  auto const& msg = parser.get();
  auto const req = to_request(msg, conn.remote);
  bool const keep_alive = msg.keep_alive() && !stopping.load();
  auto res = co_await answer(req);
  auto const sent_id = msg["X-Request-Id"];
  auto const request_id = is_valid_request_id(sent_id) ? std::string(sent_id) : new_request_id();
  res.set("X-Request-Id", request_id);
  co_await send(conn, res, msg.version() == 10 ? 10 : 11, keep_alive, req.verb == method::head);

  auto const micros = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - started).count());
  metrics.requests.record(res.status, micros);
  if (logger.access_enabled())
    logger.access({to_string(req.verb), req.target, res.status, res.body_size(), micros,
                   conn.remote, request_id});
  co_return keep_alive&& conn.socket.is_open();
}

// Reads until conn.buffer holds a whole header section and answers its
// size; 0 when the peer left or was too slow; an error when it is too large.
asio::awaitable<core::result<std::size_t>> server::state::read_head(connection& conn) {
  for (;;) {
    auto const data = pending(conn.buffer);
    if (auto const end = head_end(data)) {
      if (end > settings.max_header_bytes) break;
      co_return end;
    }
    if (data.size() >= settings.max_header_bytes) break;
    // Beast would wait for a CR that never comes.
    if (has_bare_lf(data)) co_return core::bad_request("a header line ends with a bare LF");
    auto [ec, n] = co_await conn.socket.async_read_some(conn.buffer.prepare(4096), nothrow);
    if (ec) co_return std::size_t{0};
    conn.buffer.commit(n);
  }
  co_return core::headers_too_large("request headers exceed server.max_header_bytes");
}

// Reads a whole request into `parser`; false (after answering an error when
// one is due) when it cannot be served.
asio::awaitable<bool> server::state::read_request(
    connection& conn, bhttp::request_parser<bhttp::string_body>& parser) {
  conn.expires_after(settings.header_timeout);
  auto const head = co_await read_head(conn);
  if (!head || *head == 0) {
    if (!head) co_await send_error(conn, head.error(), 11);
    co_return false;
  }
  auto const bytes = pending(conn.buffer).substr(0, *head);
  if (auto const e = check_head(bytes)) {
    co_await send_error(conn, *e, 11);
    co_return false;
  }
  boost::system::error_code ec;
  parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
  conn.buffer.consume(bytes.size());
  if (ec || !parser.is_header_done()) {
    if (auto const e = read_error(ec ? ec : bhttp::error::partial_message, false))
      co_await send_error(conn, *e, 11);
    co_return false;
  }
  unsigned const version = parser.get().version() == 10 ? 10 : 11;
  if (auto const e = framing_error(parser, settings.max_body_bytes)) {
    co_await send_error(conn, *e, version);
    co_return false;
  }
  if (parser.is_done()) co_return true;
  // A 1xx must not be sent to an HTTP/1.0 client.
  if (version == 11 && iequals(parser.get()[bhttp::field::expect], "100-continue")) {
    static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
    auto [wec, wn] = co_await asio::async_write(conn.socket, asio::buffer(cont), nothrow);
    if (wec) co_return false;
  }
  co_return co_await read_body(conn, parser, version);
}

// Reads the body, counting chunk extensions and trailers against
// max_header_bytes as they arrive, so neither can grow without bound.
asio::awaitable<bool> server::state::read_body(connection& conn,
                                               bhttp::request_parser<bhttp::string_body>& parser,
                                               unsigned version) {
  std::size_t extensions = 0;
  auto const limit = settings.max_header_bytes;
  auto on_chunk = [&](std::uint64_t, std::string_view ext, boost::system::error_code& ec) {
    extensions += ext.size();
    if (extensions > limit) ec = bhttp::error::header_limit;
  };
  parser.on_chunk_header(on_chunk);
  conn.expires_after(settings.header_timeout);
  while (!parser.is_done()) {
    auto [ec, n] = co_await bhttp::async_read_some(conn.socket, conn.buffer, parser, nothrow);
    if (!ec && field_bytes(parser.get()) > limit) ec = bhttp::error::header_limit;
    if (!ec && !parser.is_done() && parser.chunked() && has_bare_lf(pending(conn.buffer))) {
      co_await send_error(conn, core::bad_request("chunked framing with a bare LF"), version);
      co_return false;
    }
    if (ec) {
      if (auto const e = read_error(ec, true)) co_await send_error(conn, *e, version);
      co_return false;
    }
  }
  co_return true;
}

// The handler's answer; an exception escaping it is a 500 and a log line.
asio::awaitable<response> server::state::answer(request const& req) {
  metrics.requests.in_flight.fetch_add(1, std::memory_order_relaxed);
  response res;
  try {
    res = co_await handler(req);
  } catch (std::exception const& e) {
    logger.write(log::level::error, "unhandled error on " + std::string(to_string(req.verb)) + " " +
                                        std::string(req.target) + ": " + e.what());
    res = to_response(core::internal("internal error"));
  }
  metrics.requests.in_flight.fetch_sub(1, std::memory_order_relaxed);
  co_return res;
}

asio::awaitable<void> server::state::send(connection& conn, response const& res, unsigned version,
                                          bool keep_alive, bool head_only) {
  write_head(conn.head, res, version, keep_alive);
  // A client that does not read its answers is dropped after send_timeout.
  conn.expires_after(settings.send_timeout);
  std::array<asio::const_buffer, 2> buffers{asio::buffer(conn.head), asio::const_buffer{}};
  if (!head_only && has_body(res.status) && res.body) buffers[1] = asio::buffer(*res.body);
  auto [ec, n] = co_await asio::async_write(conn.socket, buffers, nothrow);
  if (ec) conn.socket.close(ec);
}

asio::awaitable<void> server::state::send_error(connection& conn, core::error const& e,
                                                unsigned version) {
  // The request could not be parsed, so any id it sent is not trusted.
  auto res = to_response(e);
  auto const id = new_request_id();
  res.set("X-Request-Id", id);
  co_await send(conn, res, version, false, false);
  metrics.requests.record(res.status, 0);
  if (logger.access_enabled())
    logger.access({"-", "-", res.status, res.body_size(), 0, conn.remote, id});
}

asio::awaitable<void> server::shutdown() {
  auto s = state_;
  s->stopping.store(true);
  co_await asio::dispatch(s->acceptor.get_executor(), asio::use_awaitable);
  boost::system::error_code ec;
  s->acceptor.close(ec);
  asio::post(s->reaper.get_executor(), [s] { s->reaper.cancel(); });

  // Idle keep-alive connections are closed now; busy ones notice `stopping`
  // after their current request and close themselves.
  {
    std::lock_guard lock(s->connections_mutex);
    for (auto const& conn : s->connections)
      asio::post(conn->socket.get_executor(), [conn] {
        boost::system::error_code ignored;
        if (conn->idle) conn->socket.cancel(ignored);
      });
  }
  auto const deadline = steady_clock::now() + s->settings.drain_timeout;
  asio::steady_timer timer(s->ioc);
  while (s->metrics.connections.active.load() > 0 && steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(nothrow);
  }
}

}  // namespace wsd::http
