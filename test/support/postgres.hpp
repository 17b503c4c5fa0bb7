// The PostgreSQL test cluster that scripts/lib/pg.sh starts (pg_start) and
// describes in WSD_TEST_PG* variables: scratch databases on it, and stopping
// and restarting it for outage tests. Everything fails loudly, by throwing
// std::runtime_error with the reason: a PostgreSQL test never skips because
// the cluster is missing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include <soci/session.h>

namespace wsd::test {

class pg_cluster {
 public:
  // Reads WSD_TEST_PG, WSD_TEST_PG_CTL, WSD_TEST_PG_START_OPTS, WSD_TEST_PG_LOG,
  // WSD_TEST_PG_PORT, WSD_TEST_PG_BIN and WSD_TEST_PG_DATA; throws naming the
  // first one unset.
  static pg_cluster from_env();

  // The SOCI URL of the cluster's `wsd` database (WSD_TEST_PG).
  std::string const& url() const noexcept { return url_; }
  std::uint16_t port() const noexcept { return port_; }
  // The data directory (WSD_TEST_PG_DATA), where postmaster.pid names the
  // postmaster.
  std::string const& data_dir() const noexcept { return data_dir_; }
  // The same connection with another database name.
  std::string url_for(std::string_view dbname) const;

  // `pg_ctl stop -m immediate`: every backend dies at once, as in a crash.
  void stop_immediately() const;
  // `pg_ctl stop -m fast`: sessions are terminated, the server shuts down
  // cleanly.
  void stop_fast() const;
  // The postmaster (first) and its children, from postmaster.pid and /proc.
  std::vector<pid_t> pids() const;
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
  std::string data_dir_;
  std::uint16_t port_ = 0;
};

// A fresh database on the cluster for one test, so its rows and ids are its
// own; dropped (WITH FORCE, in case a server still holds connections) when
// the object goes.
class pg_database {
 public:
  explicit pg_database(pg_cluster cluster);
  ~pg_database();
  pg_database(pg_database const&) = delete;
  pg_database& operator=(pg_database const&) = delete;

  std::string const& name() const noexcept { return name_; }
  // The SOCI URL, as wsd's --db takes it.
  std::string const& url() const noexcept { return url_; }
  // A session of the test's own on this database, beside the server's.
  soci::session open_session() const;

 private:
  pg_cluster cluster_;
  std::string name_;
  std::string url_;
};

// SIGSTOPs processes of a PostgreSQL cluster and SIGCONTs them on resume()
// or destruction, whatever happens to the test in between.
class frozen_cluster {
 public:
  // The whole cluster: postmaster first, so that it forks no child missed.
  explicit frozen_cluster(pg_cluster const& cluster);
  // One backend only (the rest of the cluster runs on).
  explicit frozen_cluster(pid_t backend);
  ~frozen_cluster() { resume(); }
  frozen_cluster(frozen_cluster const&) = delete;
  frozen_cluster& operator=(frozen_cluster const&) = delete;

  bool postmaster_stopped() const noexcept { return postmaster_ != 0; }
  std::size_t children_stopped() const noexcept { return children_.size(); }

  // Existing sessions run again; new connections and cancel requests,
  // which go through the postmaster, still wait.
  void resume_children() noexcept;
  void resume() noexcept;

 private:
  pid_t postmaster_ = 0;
  std::vector<pid_t> children_;
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
