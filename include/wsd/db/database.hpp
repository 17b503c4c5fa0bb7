// The database: a SOCI connection pool (SQLite or PostgreSQL, chosen by
// db.url) used only from the blocking pool. Repositories hand it a function
// of a session; it runs the function on a pool thread with a leased session
// and turns database failures into the API's errors.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <soci/connection-pool.h>
#include <soci/session.h>
#include <soci/soci-backend.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/result.hpp>

#include "wsd/config/config.hpp"
#include "wsd/core/error.hpp"
#include "wsd/db/backend.hpp"
#include "wsd/db/blocking_pool.hpp"
#include "wsd/db/circuit_breaker.hpp"
#include "wsd/db/guarded_call.hpp"
#include "wsd/metrics/registry.hpp"

namespace wsd::db {

// Whether a call asks the circuit breaker and reports to it. Logins bypass
// it: a login flood is load, not a verdict on the database's health.
enum class breaker_use : std::uint8_t { counted, bypass };

class database {
 public:
  database(config::db_settings settings, config::breaker_settings breaker,
           metrics::registry& metrics);
  ~database();
  database(database const&) = delete;
  database& operator=(database const&) = delete;

  // Connects the pool and migrates the schema; why it failed otherwise.
  boost::system::result<void, std::string> open();

  backend kind() const noexcept { return kind_; }
  std::string_view backend_name() const noexcept;
  unsigned pool_size() const noexcept { return settings_.pool_size; }
  // The backend's own connection string (db.url without "backend://").
  std::string const& connect_string() const noexcept { return connect_string_; }
  blocking_pool& pool() noexcept { return *pool_; }

  // Runs fn(session) -> result<T> on the blocking pool with a leased
  // session, behind the circuit breaker and the query timeout (see call()).
  template <class F>
  auto run(F fn, breaker_use use = breaker_use::counted)
      -> boost::asio::awaitable<std::invoke_result_t<F&, soci::session&>> {
    return call(session_job<F, false>{this, std::move(fn)}, use);
  }

  // run() for a function that only reads: when its pooled connection turns
  // out to be lost (the server restarted, the backend was terminated), it
  // runs once more on a fresh connection before the loss is answered and
  // counted. `fn` must be safe to run twice.
  template <class F>
  auto read(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, soci::session&>> {
    return call(session_job<F, true>{this, std::move(fn)});
  }

  // Runs job() -> result<T> on the blocking pool; the job reaches the
  // database through with_session(). Guarded on the way:
  // - an open breaker answers unavailable at once, without touching the pool;
  // - no answer within db.query_timeout_ms: unavailable when no statement was sent
  //   yet (nothing applied), timeout when one was (the outcome is unknown; the
  //   statement is cancelled and its connection discarded);
  // - lost connections and timeouts count as breaker failures; waiting too
  //   long for a free connection (overload) answers unavailable but does not;
  //   a breaker_use::bypass call neither asks nor tells the breaker.
  // Await it from a strand (every connection has one) or a single-threaded
  // executor: the job's completion is dispatched to the caller's executor.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> call(F job,
                                                        breaker_use use = breaker_use::counted) {
    using result_t = std::invoke_result_t<F&>;
    std::optional<circuit_breaker::permit> permit;
    if (use == breaker_use::counted) {
      auto granted = breaker_.acquire();
      if (!granted) co_return result_t(refused(granted.error().retry_after));
      permit.emplace(std::move(*granted));
    }
    auto const pending =
        std::make_shared<detail::pending_call<result_t>>(co_await boost::asio::this_coro::executor);
    pool_->execute(detail::guarded_job<F, result_t>{pending, std::move(job)});
    pending->timer.expires_after(settings_.query_timeout + guard_margin);
    co_await pending->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (!pending->result) {
      if (auto const lost = give_up(*pending)) {
        if (permit) report(std::move(*permit), &*lost);
        co_return result_t(*lost);
      }
      // The job finished just as the timer fired: its answer is on its way.
      pending->timer.expires_at(std::chrono::steady_clock::time_point::max());
      co_await pending->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    if (permit) report_answer(std::move(*permit), *pending->result);
    co_return std::move(*pending->result);
  }

  // Blocking access to a leased session, for jobs on the pool only:
  // anywhere else it throws std::logic_error, so a database call can never
  // block an io thread.
  template <class F>
  auto with_session(F&& fn, bool retry_lost = false) -> std::invoke_result_t<F&, soci::session&> {
    auto answer = with_session_once(fn);
    if (retry_lost && !answer.has_value() && lost_connection(answer.error())) {
      metrics_.database.retried_reads.fetch_add(1, std::memory_order_relaxed);
      answer = with_session_once(fn);
    }
    return answer;
  }

  circuit_breaker& breaker() noexcept { return breaker_; }

  // Cheap round trip to the database, for /ready.
  boost::asio::awaitable<bool> ping();

  // Whether an error means "the row conflicts with a UNIQUE constraint".
  static bool is_unique_violation(soci::soci_error const& e) noexcept;

  // Starts and ends write transactions the same way on both backends
  // (SQLite takes the write lock up front to avoid upgrade deadlocks).
  void begin_write(soci::session& sql) const;

  void close();

  // A read-only transaction: every statement in it sees one snapshot
  // (PostgreSQL REPEATABLE READ; SQLite's deferred transaction holds its
  // WAL snapshot from the first read). Ended by its destructor.
  class read_transaction {
   public:
    read_transaction(database const& db, soci::session& sql);
    ~read_transaction();
    read_transaction(read_transaction const&) = delete;
    read_transaction& operator=(read_transaction const&) = delete;

   private:
    soci::session& sql_;
  };

  // A write transaction that rolls back unless committed.
  class write_transaction {
   public:
    write_transaction(database const& db, soci::session& sql);
    ~write_transaction();
    write_transaction(write_transaction const&) = delete;
    write_transaction& operator=(write_transaction const&) = delete;
    void commit();

   private:
    soci::session& sql_;
    bool open_ = true;
  };

 private:
  // Extra time the waiting side gives the database beyond its own
  // statement_timeout, so a live server's answer wins the race.
  static constexpr std::chrono::milliseconds guard_margin{250};

  template <class F, bool Read>
  struct session_job {
    database* db;
    F fn;
    auto operator()() { return db->with_session(fn, Read); }
  };

  template <class F>
  auto with_session_once(F& fn) -> std::invoke_result_t<F&, soci::session&> {
    using result_t = std::invoke_result_t<F&, soci::session&>;
    auto lease = acquire();
    if (!lease) return result_t(lease.error());
    if (!begin_statement(lease->pos)) return result_t(timed_out_waiting());
    committing() = false;
    auto const started = std::chrono::steady_clock::now();
    try {
      auto answer = fn(sessions_->at(lease->pos));
      record_latency(started);
      return answer;
    } catch (soci::soci_error const& e) {
      record_latency(started);
      return result_t(failed(lease->pos, e));
    }
  }
  // Whether `e` is failed()'s answer to a connection lost outside a COMMIT.
  static bool lost_connection(core::error const& e) noexcept;

  // Whether this pool thread is sending a COMMIT: a connection lost then
  // leaves the outcome unknown (timeout), lost before it nothing was applied
  // (unavailable).
  static bool& committing() noexcept;
  // After the lease: whether the statement may still be sent.
  bool begin_statement(std::size_t pos) noexcept;
  // On timeout: the error to answer, or nullopt if the job just finished.
  std::optional<core::error> give_up(detail::call_state& call);
  // Cancels the statement of `call` if it still holds its connection;
  // never one that another call leased since.
  void cancel_statement(detail::call_state const& call);
  // Tells the breaker how the database did: outages count against it,
  // internal errors are nobody's verdict, anything else is a success.
  template <class R>
  void report_answer(circuit_breaker::permit permit, R const& answer) {
    if (answer.has_value()) return report(std::move(permit), nullptr);
    auto const failure = answer.error();  // result::error() answers a copy
    report(std::move(permit), &failure);
  }
  void report(circuit_breaker::permit permit, core::error const* failure);
  static core::error refused(std::chrono::seconds retry_after);
  static core::error timed_out_waiting();

  struct leased {
    database* owner;
    std::size_t pos;
    leased(database* o, std::size_t p) : owner(o), pos(p) {}
    leased(leased&& other) noexcept : owner(std::exchange(other.owner, nullptr)), pos(other.pos) {}
    leased(leased const&) = delete;
    leased& operator=(leased const&) = delete;
    leased& operator=(leased&&) = delete;
    ~leased() {
      if (owner) owner->release(pos);
    }
  };
  core::result<leased> acquire();
  void release(std::size_t pos) noexcept;
  void record_latency(std::chrono::steady_clock::time_point started) noexcept;
  core::error failed(std::size_t pos, soci::soci_error const& e);
  void configure_session(std::size_t pos);
  bool try_reconnect(std::size_t pos);

  config::db_settings settings_;
  metrics::registry& metrics_;
  backend kind_ = backend::sqlite;
  std::string connect_string_;
  std::unique_ptr<soci::connection_pool> sessions_;
  std::unique_ptr<std::atomic<bool>[]> broken_;
  // A lost connection usually means the server went away: every session
  // opened before the loss reconnects before its next use.
  std::atomic<std::uint64_t> losses_{0};
  std::unique_ptr<std::atomic<std::uint64_t>[]> opened_after_;
  // Per session: when a broken one may next try to reconnect, and its backoff.
  std::unique_ptr<std::atomic<std::int64_t>[]> retry_at_ns_;
  std::unique_ptr<std::atomic<std::int64_t>[]> backoff_ms_;
  // Per PostgreSQL session: what PQcancel needs (owned; see cancel_statement).
  // Per session: the call whose statement runs on it, set by begin_statement
  // and cleared by release, both under the mutex that cancel_statement holds,
  // so a cancel reaches only the statement of the call that timed out.
  std::mutex cancels_mutex_;
  std::vector<void*> cancels_;
  std::vector<detail::call_state const*> running_;
  circuit_breaker breaker_;
  std::unique_ptr<blocking_pool> pool_;
};

}  // namespace wsd::db
