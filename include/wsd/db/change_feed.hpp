// Cross-instance change notifications over PostgreSQL LISTEN/NOTIFY: every
// committed workstation write sends NOTIFY in its own transaction; each
// instance listens on a connection of its own and hears the others' writes
// (its own are skipped), so several instances on one database keep their
// caches in step within a second.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include <soci/session.h>

namespace wsd::db {

class change_feed {
 public:
  // `connect` is the libpq connection string (db.url without its scheme).
  // on_change(id) runs on the listener thread; id 0 means "anything may
  // have changed" (after a reconnect).
  change_feed(std::string connect, std::function<void(std::int64_t)> on_change);
  ~change_feed();
  change_feed(change_feed const&) = delete;
  change_feed& operator=(change_feed const&) = delete;

  // Sends the change inside the caller's transaction: delivered on commit.
  static void announce(soci::session& sql, std::int64_t id);

  void stop();

 private:
  void run();

  std::string connect_;
  std::function<void(std::int64_t)> on_change_;
  std::atomic<bool> stopping_{false};
  std::thread listener_;
};

}  // namespace wsd::db
