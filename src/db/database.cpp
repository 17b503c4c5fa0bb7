#include "wsd/db/database.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "wsd/db/migrations.hpp"
#include "wsd/log/logger.hpp"

namespace wsd::db {

namespace {

// Counts every statement SOCI executes (database.queries in the metrics).
class query_counter final : public soci::logger_impl {
 public:
  explicit query_counter(metrics::registry& m) : metrics_(m) {}
  void start_query(std::string const&) override {
    metrics_.database.queries.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  logger_impl* do_clone() const override { return new query_counter(metrics_); }
  metrics::registry& metrics_;
};

// The value of `key=` in a SOCI connect string ("db=var/wsd.db timeout=2").
std::string connect_param(std::string_view connect, std::string_view key) {
  std::size_t pos = 0;
  while (pos < connect.size()) {
    while (pos < connect.size() && connect[pos] == ' ') ++pos;
    auto const end = std::min(connect.find(' ', pos), connect.size());
    auto const part = connect.substr(pos, end - pos);
    if (part.size() > key.size() && part.substr(0, key.size()) == key && part[key.size()] == '=')
      return std::string(part.substr(key.size() + 1));
    pos = end;
  }
  return {};
}

constexpr std::string_view sqlite_prefix = "sqlite3://";
constexpr std::string_view postgresql_prefix = "postgresql://";

}  // namespace

database::database(config::db_settings settings, config::breaker_settings breaker,
                   metrics::registry& metrics)
    : settings_(std::move(settings)), metrics_(metrics), breaker_(breaker) {}

database::~database() {
  close();
}

std::string_view database::backend_name() const noexcept {
  return kind_ == backend::postgresql ? "postgresql" : "sqlite3";
}

void database::configure_session(std::size_t pos) {
  auto& sql = sessions_->at(pos);
  sql.set_logger(new query_counter(metrics_));
  if (kind_ == backend::sqlite) {
    sql << "PRAGMA journal_mode=WAL";
    sql << "PRAGMA synchronous=NORMAL";
    sql << "PRAGMA foreign_keys=ON";
    sql << "PRAGMA busy_timeout=" << settings_.query_timeout.count();
    return;
  }
  sql << "SET statement_timeout = " << settings_.query_timeout.count();
  sql << "SET lock_timeout = " << settings_.query_timeout.count();
  // Keep NOTICEs ("relation already exists, skipping") off stderr.
  sql << "SET client_min_messages = warning";
  auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
  auto* fresh = PQgetCancel(backend->conn_);
  std::lock_guard lock(cancels_mutex_);
  if (cancels_[pos]) PQfreeCancel(static_cast<PGcancel*>(cancels_[pos]));
  cancels_[pos] = fresh;
}

boost::system::result<void, std::string> database::open() {
  std::string_view url = settings_.url;
  soci::backend_factory const* factory = nullptr;
  if (url.starts_with(sqlite_prefix)) {
    kind_ = backend::sqlite;
    factory = soci::factory_sqlite3();
    connect_string_ = std::string(url.substr(sqlite_prefix.size()));
    auto const file = connect_param(connect_string_, "db");
    if (file.empty())
      return std::string("db.url: SQLite needs db=FILE, e.g. sqlite3://db=var/wsd.db");
    std::error_code ec;
    auto const dir = std::filesystem::path(file).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return "db.url: cannot create " + dir.string() + ": " + ec.message();
  } else if (url.starts_with(postgresql_prefix)) {
    kind_ = backend::postgresql;
    factory = soci::factory_postgresql();
    connect_string_ = std::string(url.substr(postgresql_prefix.size()));
  } else {
    return "db.url: unsupported backend in '" + settings_.url +
           "' (use sqlite3://db=FILE or postgresql://host=... dbname=...)";
  }

  try {
    sessions_ = std::make_unique<soci::connection_pool>(settings_.pool_size);
    broken_ = std::make_unique<std::atomic<bool>[]>(settings_.pool_size);
    retry_at_ns_ = std::make_unique<std::atomic<std::int64_t>[]>(settings_.pool_size);
    backoff_ms_ = std::make_unique<std::atomic<std::int64_t>[]>(settings_.pool_size);
    opened_after_ = std::make_unique<std::atomic<std::uint64_t>[]>(settings_.pool_size);
    cancels_.assign(settings_.pool_size, nullptr);
    running_.assign(settings_.pool_size, nullptr);
    for (std::size_t i = 0; i < settings_.pool_size; ++i) {
      sessions_->at(i).open(*factory, connect_string_);
      configure_session(i);
    }
    db::migrate(sessions_->at(0), kind_);
  } catch (std::exception const& e) {
    sessions_.reset();
    return "cannot open database " + std::string(backend_name()) + ": " + e.what();
  }
  pool_ = std::make_unique<blocking_pool>(settings_.pool_size);
  return {};
}

core::result<database::leased> database::acquire() {
  if (!blocking_pool::on_pool_thread())
    throw std::logic_error("database call outside the blocking pool");
  std::size_t pos = 0;
  auto const wait = static_cast<int>(settings_.query_timeout.count());
  if (!sessions_ || !sessions_->try_lease(pos, wait)) {
    metrics_.database.pool_waits_timed_out.fetch_add(1, std::memory_order_relaxed);
    auto busy = core::unavailable("no database connection available", std::chrono::seconds(1));
    busy.overload = true;
    return busy;
  }
  leased lease(this, pos);
  metrics_.database.in_use.fetch_add(1, std::memory_order_relaxed);
  bool const stale = broken_[pos].load() || opened_after_[pos].load() < losses_.load();
  if (stale && !try_reconnect(pos))
    return core::unavailable("database unavailable", std::chrono::seconds(1));
  return lease;
}

// Reopens a broken session, at most once per backoff period (doubling from
// 100 ms to 5 s), so a dead server is not hammered with connection attempts.
bool database::try_reconnect(std::size_t pos) {
  using namespace std::chrono;
  auto const now = duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
  if (now < retry_at_ns_[pos].load()) return false;
  try {
    auto const losses = losses_.load();
    sessions_->at(pos).reconnect();
    opened_after_[pos].store(losses);
    configure_session(pos);
    broken_[pos].store(false);
    backoff_ms_[pos].store(0);
    log::info("database connection " + std::to_string(pos) + " reopened");
    return true;
  } catch (soci::soci_error const& e) {
    auto const backoff = std::clamp<std::int64_t>(backoff_ms_[pos].load() * 2, 100, 5000);
    backoff_ms_[pos].store(backoff);
    retry_at_ns_[pos].store(now + backoff * 1'000'000);
    metrics_.database.errors.fetch_add(1, std::memory_order_relaxed);
    log::debug(std::string("database reconnect failed: ") + e.what());
    return false;
  }
}

bool& database::committing() noexcept {
  thread_local bool sending_commit = false;
  return sending_commit;
}

bool database::begin_statement(std::size_t pos) noexcept {
  using detail::phase;
  auto* call = detail::current_call();
  if (!call) return true;
  std::lock_guard lock(cancels_mutex_);
  call->session.store(pos);
  // A read retried on a fresh connection is executing already.
  auto expected = phase::leasing;
  if (!call->where.compare_exchange_strong(expected, phase::executing) &&
      expected != phase::executing)
    return false;
  running_[pos] = call;
  return true;
}

std::optional<core::error> database::give_up(detail::call_state& call) {
  using detail::phase;
  for (auto before : {phase::queued, phase::leasing}) {
    auto expected = before;
    if (call.where.compare_exchange_strong(expected, phase::abandoned)) return timed_out_waiting();
  }
  if (call.where.load() != phase::executing) return std::nullopt;
  cancel_statement(call);
  metrics_.database.errors.fetch_add(1, std::memory_order_relaxed);
  return core::timeout(
      "the database did not answer within db.query_timeout_ms; a write "
      "may still commit: retry it with the same Idempotency-Key");
}

// Interrupts a statement that overran the timeout, under the lock that
// release() takes: if the call no longer holds a connection, nothing is
// interrupted. PostgreSQL: PQcancel from a thread of its own (it blocks
// while the server is frozen), then the connection is discarded; SQLite:
// sqlite3_interrupt, which is thread-safe.
void database::cancel_statement(detail::call_state const& call) {
  auto const pos = call.session.load();
  if (pos == detail::no_session) return;
  void* cancel = nullptr;
  {
    std::lock_guard lock(cancels_mutex_);
    if (running_[pos] != &call) return;
    log::warn("database statement on connection " + std::to_string(pos) + " timed out");
    if (kind_ == backend::sqlite) {
      auto* backend = static_cast<soci::sqlite3_session_backend*>(sessions_->at(pos).get_backend());
      if (backend) sqlite_api::sqlite3_interrupt(backend->conn_);
      return;
    }
    broken_[pos].store(true);
    std::swap(cancel, cancels_[pos]);
  }
  if (!cancel) return;
  std::thread([cancel] {
    char error[256];
    PQcancel(static_cast<PGcancel*>(cancel), error, sizeof error);
    PQfreeCancel(static_cast<PGcancel*>(cancel));
  }).detach();
}

void database::report(circuit_breaker::permit permit, core::error const* failure) {
  if (failure && failure->overload)
    breaker_.on_ignored(std::move(permit));
  else if (failure && failure->is_outage())
    breaker_.on_failure(std::move(permit));
  else if (failure && failure->code == core::errc::internal)
    breaker_.on_ignored(std::move(permit));
  else
    breaker_.on_success(std::move(permit));
}

core::error database::refused(std::chrono::seconds retry_after) {
  return core::unavailable("database unavailable (circuit breaker open)",
                           std::max(std::chrono::seconds(1), retry_after));
}

core::error database::timed_out_waiting() {
  auto busy = core::unavailable(
      "database busy: no connection within db.query_timeout_ms; "
      "nothing was applied",
      std::chrono::seconds(1));
  busy.overload = true;
  return busy;
}

void database::release(std::size_t pos) noexcept {
  {
    std::lock_guard lock(cancels_mutex_);
    running_[pos] = nullptr;
  }
  metrics_.database.in_use.fetch_sub(1, std::memory_order_relaxed);
  sessions_->give_back(pos);
}

void database::record_latency(std::chrono::steady_clock::time_point started) noexcept {
  auto const us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  metrics_.database.latency.record(static_cast<std::uint64_t>(us.count()));
}

namespace {
constexpr std::string_view connection_lost = "database unavailable (connection lost)";
}

bool database::lost_connection(core::error const& e) noexcept {
  return e.code == core::errc::unavailable && e.message == connection_lost;
}

core::error database::failed(std::size_t pos, soci::soci_error const& e) {
  metrics_.database.errors.fetch_add(1, std::memory_order_relaxed);
  auto const category = e.get_error_category();
  bool lost =
      category == soci::soci_error::connection_error || category == soci::soci_error::system_error;
  bool busy = false;
  if (auto const* pg = dynamic_cast<soci::postgresql_soci_error const*>(&e)) {
    auto const state = pg->sqlstate();
    // libpq reports a dead server as a failed query without a SQLSTATE.
    lost = lost || state == "     " || state.starts_with("08") || state.starts_with("57P");
    // statement_timeout / lock_timeout: the statement was rolled back.
    busy = state == "57014" || state == "55P03";
  } else if (auto const* lite = dynamic_cast<soci::sqlite3_soci_error const*>(&e)) {
    auto const code = lite->result() & 0xff;
    busy = code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_INTERRUPT;
  }
  if (lost) {
    broken_[pos].store(true);
    losses_.fetch_add(1);
    log::warn(std::string("database connection lost: ") + e.get_error_message());
    if (std::exchange(committing(), false))
      return core::timeout(
          "the database connection was lost during COMMIT; the write may "
          "have been applied: retry it with the same Idempotency-Key");
    return core::unavailable(std::string(connection_lost), std::chrono::seconds(1));
  }
  if (busy) {
    log::warn(std::string("database busy: ") + e.get_error_message());
    return core::unavailable("database busy; nothing was applied", std::chrono::seconds(1));
  }
  log::error(std::string("database error: ") + e.what());
  return core::internal("database error");
}

bool database::is_unique_violation(soci::soci_error const& e) noexcept {
  if (auto const* pg = dynamic_cast<soci::postgresql_soci_error const*>(&e))
    return pg->sqlstate() == "23505";
  if (auto const* lite = dynamic_cast<soci::sqlite3_soci_error const*>(&e))
    return (lite->result() & 0xff) == 19;  // SQLITE_CONSTRAINT
  return e.get_error_category() == soci::soci_error::constraint_violation;
}

void database::begin_write(soci::session& sql) const {
  if (kind_ == backend::sqlite)
    sql << "BEGIN IMMEDIATE";
  else
    sql << "BEGIN";
}

database::read_transaction::read_transaction(database const& db, soci::session& sql) : sql_(sql) {
  if (db.kind() == backend::postgresql)
    sql << "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  else
    sql << "BEGIN";
}

database::read_transaction::~read_transaction() {
  try {
    sql_ << "ROLLBACK";  // nothing to keep; ends the snapshot
  } catch (soci::soci_error const& e) {
    log::debug(std::string("ending a read transaction failed: ") + e.what());
  }
}

database::write_transaction::write_transaction(database const& db, soci::session& sql) : sql_(sql) {
  db.begin_write(sql);
}

database::write_transaction::~write_transaction() {
  if (!open_) return;
  try {
    sql_ << "ROLLBACK";
  } catch (soci::soci_error const& e) {
    // The connection is gone; the server rolled back for us.
    log::debug(std::string("rollback failed: ") + e.what());
  }
}

void database::write_transaction::commit() {
  committing() = true;
  sql_ << "COMMIT";
  committing() = false;
  open_ = false;
}

boost::asio::awaitable<bool> database::ping() {
  auto const select_one = [](soci::session& sql) -> core::result<int> {
    int value = 0;
    sql << "SELECT 1", soci::into(value);
    return value;
  };
  auto const one = co_await read(select_one);
  co_return one.has_value() && *one == 1;
}

void database::close() {
  if (pool_) pool_->stop();
  pool_.reset();
  sessions_.reset();
  std::lock_guard lock(cancels_mutex_);
  for (auto& cancel : cancels_) {
    if (cancel) PQfreeCancel(static_cast<PGcancel*>(cancel));
    cancel = nullptr;
  }
}

}  // namespace wsd::db
