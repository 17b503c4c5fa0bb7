// The PostgreSQL test cluster that scripts/lib/pg.sh starts (pg_start) and
// describes in WSD_TEST_PG* variables: scratch databases on it, and stopping
// and restarting it for outage tests. Everything fails loudly, by throwing
// std::runtime_error with the reason: a PostgreSQL test never skips because
// the cluster is missing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wsd::test {

class pg_cluster {
 public:
  // Reads WSD_TEST_PG, WSD_TEST_PG_CTL, WSD_TEST_PG_START_OPTS, WSD_TEST_PG_LOG,
  // WSD_TEST_PG_PORT and WSD_TEST_PG_BIN; throws naming the first one unset.
  static pg_cluster from_env();

  // The SOCI URL of the cluster's `wsd` database (WSD_TEST_PG).
  std::string const& url() const noexcept { return url_; }
  std::uint16_t port() const noexcept { return port_; }
  // The same connection with another database name.
  std::string url_for(std::string_view dbname) const;

  // `pg_ctl stop -m immediate`: every backend dies at once, as in a crash.
  void stop_immediately() const;
  // `pg_ctl start -w` with the cluster's own options: returns once it accepts
  // connections.
  void start() const;
  // `pg_ctl status`: whether the postmaster runs.
  bool is_running() const;

  // Runs one SQL command through psql as role wsd (a superuser) on dbname;
  // returns psql's unaligned, tuples-only output.
  std::string psql(std::string_view sql, std::string_view dbname = "wsd") const;

 private:
  pg_cluster() = default;

  std::string url_;
  std::string ctl_;
  std::string start_opts_;
  std::string log_;
  std::string bin_;
  std::uint16_t port_ = 0;
};

// A fresh database on the cluster for one test, so its rows and ids are its
// own; dropped (WITH FORCE) when the object goes.
class pg_database {
 public:
  explicit pg_database(pg_cluster const& cluster);
  ~pg_database();
  pg_database(pg_database const&) = delete;
  pg_database& operator=(pg_database const&) = delete;

  std::string const& name() const noexcept { return name_; }
  std::string const& url() const noexcept { return url_; }

 private:
  pg_cluster const& cluster_;
  std::string name_;
  std::string url_;
};

// Restarts the cluster when it goes out of scope unless it runs already, so
// a failed assertion in an outage test never leaves it down for the tests
// that share it.
class pg_restart_guard {
 public:
  explicit pg_restart_guard(pg_cluster const& cluster) noexcept : cluster_(cluster) {}
  ~pg_restart_guard();
  pg_restart_guard(pg_restart_guard const&) = delete;
  pg_restart_guard& operator=(pg_restart_guard const&) = delete;

 private:
  pg_cluster const& cluster_;
};

}  // namespace wsd::test
