// A bounded pool of threads for blocking work (SOCI queries, argon2). A
// coroutine awaits run(f): f executes on a pool thread and the coroutine
// resumes on its own executor, so io_context threads never block.
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wsd::db {

class blocking_pool {
 public:
  explicit blocking_pool(unsigned threads);
  ~blocking_pool();
  blocking_pool(blocking_pool const&) = delete;
  blocking_pool& operator=(blocking_pool const&) = delete;

  // True on a thread of any blocking_pool: the only threads allowed to block.
  static bool on_pool_thread() noexcept;

  // Runs f() on the pool; exceptions propagate to the awaiting coroutine.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run(F f) {
    using result_t = std::invoke_result_t<F&>;
    using signature = void(std::exception_ptr, std::optional<result_t>);
    auto value = co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                                      signature>(
        [this](auto handler, F fn) {
          boost::asio::post(pool_, [h = std::move(handler), fn = std::move(fn)]() mutable {
            std::exception_ptr error;
            std::optional<result_t> result;
            try {
              pool_thread_scope const scope;
              result.emplace(fn());
            } catch (...) {
              error = std::current_exception();
            }
            auto const ex = boost::asio::get_associated_executor(h);
            boost::asio::dispatch(ex, [h = std::move(h), error, r = std::move(result)]() mutable {
              std::move(h)(error, std::move(r));
            });
          });
        },
        boost::asio::use_awaitable, std::move(f));
    co_return std::move(*value);
  }

  void stop();

 private:
  // Marks the current thread as a pool thread while a job runs.
  struct pool_thread_scope {
    pool_thread_scope() noexcept;
    ~pool_thread_scope();
    pool_thread_scope(pool_thread_scope const&) = delete;
    pool_thread_scope& operator=(pool_thread_scope const&) = delete;
  };

  boost::asio::thread_pool pool_;
};

}  // namespace wsd::db
