#include "wsd/db/database.hpp"

#include <filesystem>

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

database::database(config::db_settings settings, metrics::registry& metrics)
    : settings_(std::move(settings)), metrics_(metrics) {}

database::~database() { close(); }

std::string_view database::backend_name() const noexcept {
  return kind_ == backend::postgresql ? "postgresql" : "sqlite3";
}

void database::configure_session(soci::session& sql) {
  sql.set_logger(new query_counter(metrics_));
  if (kind_ == backend::sqlite) {
    sql << "PRAGMA journal_mode=WAL";
    sql << "PRAGMA synchronous=NORMAL";
    sql << "PRAGMA foreign_keys=ON";
    sql << "PRAGMA busy_timeout=" << settings_.query_timeout.count();
  } else {
    sql << "SET statement_timeout = " << settings_.query_timeout.count();
    sql << "SET lock_timeout = " << settings_.query_timeout.count();
  }
}

boost::system::result<void, std::string> database::open() {
  std::string_view url = settings_.url;
  soci::backend_factory const* factory = nullptr;
  if (url.starts_with(sqlite_prefix)) {
    kind_ = backend::sqlite;
    factory = soci::factory_sqlite3();
    connect_string_ = std::string(url.substr(sqlite_prefix.size()));
    auto const file = connect_param(connect_string_, "db");
    if (file.empty()) return std::string("db.url: SQLite needs db=FILE, e.g. sqlite3://db=var/wsd.db");
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
    for (std::size_t i = 0; i < settings_.pool_size; ++i) {
      auto& sql = sessions_->at(i);
      sql.open(*factory, connect_string_);
      configure_session(sql);
    }
    db::migrate(sessions_->at(0), kind_);
  } catch (std::exception const& e) {
    sessions_.reset();
    return "cannot open database " + std::string(backend_name()) + ": " + e.what();
  }
  pool_ = std::make_unique<blocking_pool>(settings_.pool_size);
  return {};
}

boost::system::result<database::leased, http::api_error> database::acquire() {
  if (!blocking_pool::on_pool_thread())
    throw std::logic_error("database call outside the blocking pool");
  std::size_t pos = 0;
  auto const wait = static_cast<int>(settings_.query_timeout.count());
  if (!sessions_ || !sessions_->try_lease(pos, wait))
    return http::service_unavailable("no database connection available", 1);
  leased lease(this, pos);
  metrics_.database.in_use.fetch_add(1, std::memory_order_relaxed);
  if (broken_[pos].load()) {
    try {
      sessions_->at(pos).reconnect();
      configure_session(sessions_->at(pos));
      broken_[pos].store(false);
      log::info("database connection " + std::to_string(pos) + " reopened");
    } catch (soci::soci_error const& e) {
      metrics_.database.errors.fetch_add(1, std::memory_order_relaxed);
      return http::service_unavailable(std::string("database unavailable: ") + e.what(), 1);
    }
  }
  return lease;
}

void database::release(std::size_t pos) noexcept {
  metrics_.database.in_use.fetch_sub(1, std::memory_order_relaxed);
  sessions_->give_back(pos);
}

void database::record_latency(std::chrono::steady_clock::time_point started) noexcept {
  auto const us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  metrics_.database.latency.record(static_cast<std::uint64_t>(us.count()));
}

http::api_error database::failed(std::size_t pos, soci::soci_error const& e) {
  metrics_.database.errors.fetch_add(1, std::memory_order_relaxed);
  auto const category = e.get_error_category();
  bool lost = category == soci::soci_error::connection_error ||
              category == soci::soci_error::system_error;
  if (kind_ == backend::postgresql) {
    // libpq reports a dead server as a failed query without a SQLSTATE.
    auto const* pg = dynamic_cast<soci::postgresql_soci_error const*>(&e);
    if (pg) {
      auto const state = pg->sqlstate();
      lost = lost || state == "     " || state.starts_with("08") || state.starts_with("57P");
    }
  }
  if (lost) {
    broken_[pos].store(true);
    log::warn(std::string("database connection lost: ") + e.get_error_message());
    return http::service_unavailable("database unavailable", 1);
  }
  log::error(std::string("database error: ") + e.what());
  return http::internal_error("database error");
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

database::write_transaction::write_transaction(database const& db, soci::session& sql)
    : sql_(sql) {
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
  sql_ << "COMMIT";
  open_ = false;
}

boost::asio::awaitable<bool> database::ping() {
  auto const select_one = [](soci::session& sql) -> result<int> {
    int value = 0;
    sql << "SELECT 1", soci::into(value);
    return value;
  };
  auto const one = co_await run(select_one);
  co_return one.has_value() && *one == 1;
}

void database::close() {
  if (pool_) pool_->stop();
  pool_.reset();
  sessions_.reset();
}

}  // namespace wsd::db
