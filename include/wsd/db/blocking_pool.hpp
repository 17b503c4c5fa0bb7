// A bounded pool of threads for blocking work (SOCI queries, argon2). A
// coroutine awaits run(f): f executes on a pool thread and the coroutine
// resumes on its own executor, so io_context threads never block.
#pragma once

#include <exception>
#include <future>
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
  // Not a coroutine itself, and callers pass named callables, never a
  // capturing lambda inside the co_await expression: GCC 12 destroys such
  // temporaries twice.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run(F f) {
    using result_t = std::invoke_result_t<F&>;
    static_assert(std::is_default_constructible_v<result_t>);
    return boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                       void(std::exception_ptr, result_t)>(
        initiate_run<F>{this}, boost::asio::use_awaitable, std::move(f));
  }

  // Runs job() on the pool, marked as a pool thread; fire and forget.
  template <class J>
  void execute(J job) {
    boost::asio::post(pool_, [job = std::move(job)]() mutable {
      pool_thread_scope const scope;
      job();
    });
  }

  // Runs f() on the pool and waits for it: for start-up work outside any
  // coroutine (never call it from an io_context thread).
  template <class F>
  std::invoke_result_t<F&> run_sync(F f) {
    std::packaged_task<std::invoke_result_t<F&>()> task([&f] {
      pool_thread_scope const scope;
      return f();
    });
    auto done = task.get_future();
    boost::asio::post(pool_, [&task] { task(); });
    return done.get();
  }

  void stop();

 private:
  template <class F>
  struct initiate_run {
    blocking_pool* self;
    template <class Handler>
    void operator()(Handler handler, F fn) const {
      boost::asio::post(self->pool_, job<F, Handler>{std::move(fn), std::move(handler)});
    }
  };

  template <class F, class Handler>
  struct job {
    F fn;
    Handler handler;
    void operator()() {
      using result_t = std::invoke_result_t<F&>;
      std::exception_ptr error;
      result_t result{};
      try {
        pool_thread_scope const scope;
        result = fn();
      } catch (...) {
        error = std::current_exception();
      }
      // Resume the coroutine on its own executor, never on the pool.
      auto const ex = boost::asio::get_associated_executor(handler);
      boost::asio::dispatch(ex, [h = std::move(handler), error, r = std::move(result)]() mutable {
        std::move(h)(error, std::move(r));
      });
    }
  };

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
