// The threads that hash and verify passwords, apart from the database pool
// and the io threads: argon2 takes tens of milliseconds of CPU and 19 MiB per
// call, so a login flood must queue here, bounded, and nowhere else.
//
// Admission control: a login first asks try_admit(); at most max_pending
// admissions exist at once (queued or hashing), and beyond that the caller
// answers "unavailable" at once instead of waiting. Work that is not a login
// (an admin setting a password) may call run() without an admission.
#pragma once

#include <atomic>
#include <cstddef>
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

namespace wsd::auth {

class hash_pool {
 public:
  // threads >= 1 (0 is taken as 1); max_pending 0 admits nothing.
  hash_pool(unsigned threads, std::size_t max_pending);
  ~hash_pool();
  hash_pool(hash_pool const&) = delete;
  hash_pool& operator=(hash_pool const&) = delete;

  // A place among the pending logins, given back when destroyed. Move-only.
  class admission {
   public:
    admission(admission&& other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
    admission& operator=(admission&&) = delete;
    admission(admission const&) = delete;
    admission& operator=(admission const&) = delete;
    ~admission();

   private:
    friend class hash_pool;
    explicit admission(hash_pool* owner) noexcept : owner_(owner) {}
    hash_pool* owner_;
  };

  // nullopt when max_pending logins are already admitted.
  std::optional<admission> try_admit() noexcept;

  // Admissions held now.
  std::size_t pending() const noexcept { return pending_.load(std::memory_order_relaxed); }
  std::size_t max_pending() const noexcept { return max_pending_; }

  // Runs f() on a hash thread; the coroutine resumes on its own executor and
  // exceptions propagate to it. As with db::blocking_pool::run, pass a named
  // callable, never a capturing lambda inside the co_await expression.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run(F f) {
    using result_t = std::invoke_result_t<F&>;
    static_assert(std::is_default_constructible_v<result_t>);
    return boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                       void(std::exception_ptr, result_t)>(
        initiate_run<F>{this}, boost::asio::use_awaitable, std::move(f));
  }

  // Stops the threads; work not started yet is dropped.
  void stop();

 private:
  template <class F>
  struct initiate_run {
    hash_pool* self;
    template <class Handler>
    void operator()(Handler handler, F fn) const {
      boost::asio::post(self->threads_, job<F, Handler>{std::move(fn), std::move(handler)});
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
        result = fn();
      } catch (...) {
        error = std::current_exception();
      }
      auto const ex = boost::asio::get_associated_executor(handler);
      boost::asio::dispatch(ex, [h = std::move(handler), error, r = std::move(result)]() mutable {
        std::move(h)(error, std::move(r));
      });
    }
  };

  std::size_t const max_pending_;
  std::atomic<std::size_t> pending_{0};
  boost::asio::thread_pool threads_;
};

}  // namespace wsd::auth
