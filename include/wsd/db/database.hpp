// The database: a SOCI connection pool (SQLite or PostgreSQL, chosen by
// db.url) used only from the blocking pool. Repositories hand it a function
// of a session; it runs the function on a pool thread with a leased session
// and turns database failures into the API's errors.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <soci/connection-pool.h>
#include <soci/session.h>
#include <soci/soci-backend.h>

#include "wsd/config/config.hpp"
#include "wsd/db/blocking_pool.hpp"
#include "wsd/db/result.hpp"
#include "wsd/http/error.hpp"
#include "wsd/metrics/registry.hpp"

namespace wsd::db {

enum class backend : std::uint8_t { sqlite, postgresql };

class database {
 public:
  database(config::db_settings settings, metrics::registry& metrics);
  ~database();
  database(database const&) = delete;
  database& operator=(database const&) = delete;

  // Connects the pool and migrates the schema; why it failed otherwise.
  boost::system::result<void, std::string> open();

  backend kind() const noexcept { return kind_; }
  std::string_view backend_name() const noexcept;
  unsigned pool_size() const noexcept { return settings_.pool_size; }
  blocking_pool& pool() noexcept { return *pool_; }

  // Runs fn(session) -> result<T> on the blocking pool. Lost connections
  // answer 503, unexpected database errors 500; both are logged.
  template <class F>
  auto run(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, soci::session&>> {
    return pool_->run(session_job<F>{this, std::move(fn)});
  }

  // Blocking form of run(), for pool threads only: anywhere else it throws
  // std::logic_error, so a database call can never block an io thread.
  template <class F>
  auto with_session(F&& fn) -> std::invoke_result_t<F&, soci::session&> {
    using result_t = std::invoke_result_t<F&, soci::session&>;
    auto lease = acquire();
    if (!lease) return result_t(lease.error());
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

  // Cheap round trip to the database, for /ready.
  boost::asio::awaitable<bool> ping();

  // Whether an error means "the row conflicts with a UNIQUE constraint".
  static bool is_unique_violation(soci::soci_error const& e) noexcept;

  // Starts and ends write transactions the same way on both backends
  // (SQLite takes the write lock up front to avoid upgrade deadlocks).
  void begin_write(soci::session& sql) const;

  void close();

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
  template <class F>
  struct session_job {
    database* db;
    F fn;
    auto operator()() { return db->with_session(fn); }
  };

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
  boost::system::result<leased, http::api_error> acquire();
  void release(std::size_t pos) noexcept;
  void record_latency(std::chrono::steady_clock::time_point started) noexcept;
  http::api_error failed(std::size_t pos, soci::soci_error const& e);
  void configure_session(soci::session& sql);

  config::db_settings settings_;
  metrics::registry& metrics_;
  backend kind_ = backend::sqlite;
  std::string connect_string_;
  std::unique_ptr<soci::connection_pool> sessions_;
  std::unique_ptr<std::atomic<bool>[]> broken_;
  std::unique_ptr<blocking_pool> pool_;
};

}  // namespace wsd::db
