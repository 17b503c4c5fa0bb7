// The HTTP/1.1 server: an acceptor coroutine and one coroutine per
// connection, each on its own strand of the shared io_context. It parses
// requests (with limits and timeouts), hands them to one handler and writes
// the answers; everything HTTP-specific about the API lives in the handler.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/result.hpp>

#include "wsd/config/config.hpp"
#include "wsd/http/message.hpp"
#include "wsd/log/logger.hpp"
#include "wsd/metrics/registry.hpp"

namespace wsd::http {

using handler_fn = std::function<boost::asio::awaitable<response>(request const&)>;

class server {
 public:
  server(boost::asio::io_context& ioc, config::server_settings settings, handler_fn handler,
         metrics::registry& metrics, log::logger& logger);
  ~server();
  server(server const&) = delete;
  server& operator=(server const&) = delete;

  // Binds and listens; the bound port, or why it failed.
  boost::system::result<std::uint16_t, std::string> listen();
  // Starts accepting connections.
  void start();
  // Stops accepting, closes idle connections and waits for busy ones to
  // finish their request, up to server.drain_timeout_ms.
  boost::asio::awaitable<void> shutdown();

  struct state;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace wsd::http
