// Waiting in tests without guessing how long: drive one awaitable to its
// end on this thread, or poll a condition until it holds or a deadline
// passes.
#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <thread>
#include <utility>

#include <doctest/doctest.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace wsd::test {

// Drives one awaitable to completion on this thread's io_context. It is
// never destroyed: a pool thread may still be returning from posting the
// answer to it when run() returns.
template <class T>
T await(boost::asio::awaitable<T> op) {
  static thread_local boost::asio::io_context io;
  io.restart();
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(op), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) out.emplace(std::move(value));
  });
  io.run();
  if (error) std::rethrow_exception(error);
  REQUIRE(out.has_value());
  return std::move(*out);
}

// Polls pred() every `step` until it holds (true) or `limit` passes (false),
// for what another thread or process does in its own time.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit, std::chrono::milliseconds step) {
  auto const deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(step);
  }
  return true;
}

}  // namespace wsd::test
