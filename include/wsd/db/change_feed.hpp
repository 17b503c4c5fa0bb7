// Cross-instance change notifications over PostgreSQL LISTEN/NOTIFY: every
// committed workstation write sends NOTIFY in its own transaction; each
// instance listens on a connection of its own and hears the others' writes
// (its own are skipped), so several instances on one database keep their
// caches in step within a second.
//
// Whenever the feed cannot vouch for having heard everything — its LISTEN is
// first established, re-established after a loss, or replaced because it
// went silent — it says so (on_doubt), so that caches revalidate. A silent
// connection (a frozen backend, a dead network path: no error, no data) is
// found by a round trip on it after a few quiet seconds, with a deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "wsd/metrics/registry.hpp"

struct pg_conn;

namespace soci {
class session;
}

namespace wsd::db {

// Why coherence with the other instances is in doubt.
enum class doubt : std::uint8_t {
  listening_started,  // the first LISTEN of the process: earlier reads may be old
  reconnected,        // LISTEN again after the connection was lost
  stalled,            // LISTEN again after the connection went silent
};
std::string_view to_string(doubt why) noexcept;

class change_feed {
 public:
  // What the listener thread calls. Each notification kind has its own
  // handler; on_doubt covers them all (anything may have been missed).
  struct handlers {
    std::function<void(std::int64_t)> workstation_changed;
    std::function<void(doubt)> on_doubt;
  };

  // `connect` is the libpq connection string (db.url without its scheme).
  change_feed(std::string connect, handlers on, metrics::change_feed_metrics& metrics);
  ~change_feed();
  change_feed(change_feed const&) = delete;
  change_feed& operator=(change_feed const&) = delete;

  // Sends the change inside the caller's transaction: delivered on commit.
  static void announce(soci::session& sql, std::int64_t id);

  // Waits (at most `bound`) for the listener's first attempt to LISTEN;
  // whether it listens. Called before serving, so that in the usual case
  // nothing is cached yet when the first doubt expires the cache.
  bool wait_first_attempt(std::chrono::milliseconds bound) const;

  void stop();

 private:
  void run();
  doubt listen(pg_conn* conn) const;
  void pause(std::chrono::milliseconds how_long) const;
  void deliver(std::string_view payload) const;

  std::string connect_;
  handlers on_;
  metrics::change_feed_metrics& metrics_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> first_attempt_done_{false};
  std::thread listener_;
};

}  // namespace wsd::db
