// The query-timeout machinery behind database::call: a job queued on the
// blocking pool and the coroutine waiting for it race through a small state
// machine, so the waiter can give up after db.query_timeout_ms and still
// know whether no statement was sent yet (unavailable: nothing applied) or
// one was (timeout: the outcome is unknown), and the job's late answer is dropped safely.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>

#include "wsd/core/error.hpp"

namespace wsd::db::detail {

// Where a guarded call is; moves only forward, by compare-and-swap between
// the pool thread and the waiting coroutine.
enum class phase : std::uint8_t { queued, leasing, executing, done, abandoned };

inline constexpr std::size_t no_session = static_cast<std::size_t>(-1);

struct call_state {
  std::atomic<phase> where{phase::queued};
  std::atomic<std::size_t> session{no_session};
};

// The call a pool thread is running now (null outside guarded calls).
call_state*& current_call() noexcept;

// An exception escaping a job: logged, answered as internal.
core::error job_failed(std::exception const& e);

template <class R>
struct pending_call : call_state {
  explicit pending_call(boost::asio::any_io_executor ex) : timer(std::move(ex)) {}
  boost::asio::steady_timer timer;
  std::optional<R> result;  // set on the waiting coroutine's executor
};

// What runs on the pool: the job, unless the waiter gave up while it was
// queued; its answer is handed back on the waiter's executor, where it
// wakes the waiter by cancelling its timer.
template <class F, class R>
struct guarded_job {
  std::shared_ptr<pending_call<R>> pending;
  F job;

  void operator()() {
    auto expected = phase::queued;
    if (!pending->where.compare_exchange_strong(expected, phase::leasing)) return;
    current_call() = pending.get();
    std::optional<R> answer;
    try {
      answer.emplace(job());
    } catch (std::exception const& e) {
      answer.emplace(job_failed(e));
    }
    current_call() = nullptr;
    pending->where.store(phase::done);
    auto const ex = pending->timer.get_executor();
    boost::asio::dispatch(ex, [p = pending, a = std::move(*answer)]() mutable {
      p->result.emplace(std::move(a));
      p->timer.cancel();
    });
  }
};

}  // namespace wsd::db::detail
