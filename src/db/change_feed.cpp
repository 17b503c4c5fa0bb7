#include "wsd/db/change_feed.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <charconv>
#include <chrono>

#include <soci/soci.h>

#include "wsd/log/logger.hpp"

namespace wsd::db {

namespace {

constexpr char const* channel_sql = "LISTEN wsd_changes";
// How often the listener looks at its stop flag.
constexpr int poll_ms = 200;

// Identifies this process in payloads so it can skip its own writes.
std::string const& instance_id() {
  static std::string const id =
      std::to_string(::getpid()) + "-" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  return id;
}

}  // namespace

change_feed::change_feed(std::string connect, std::function<void(std::int64_t)> on_change)
    : connect_(std::move(connect)),
      on_change_(std::move(on_change)),
      listener_([this] { run(); }) {}

change_feed::~change_feed() {
  stop();
}

void change_feed::stop() {
  stopping_.store(true);
  if (listener_.joinable()) listener_.join();
}

void change_feed::announce(soci::session& sql, std::int64_t id) {
  std::string const payload = instance_id() + " " + std::to_string(id);
  sql << "SELECT pg_notify('wsd_changes', :payload)", soci::use(payload);
}

// Listens until stopped, reconnecting with backoff when the server goes away.
void change_feed::run() {
  std::chrono::milliseconds backoff{100};
  bool first = true;
  while (!stopping_.load()) {
    PGconn* conn = PQconnectdb(connect_.c_str());
    bool listening = PQstatus(conn) == CONNECTION_OK;
    if (listening) {
      PGresult* res = PQexec(conn, channel_sql);
      listening = PQresultStatus(res) == PGRES_COMMAND_OK;
      PQclear(res);
    }
    if (listening) {
      backoff = std::chrono::milliseconds{100};
      // Writes made while this instance was not listening: forget everything.
      if (!std::exchange(first, false)) on_change_(0);
    }
    while (listening && !stopping_.load()) {
      pollfd pfd{PQsocket(conn), POLLIN, 0};
      if (::poll(&pfd, 1, poll_ms) < 0 || !PQconsumeInput(conn)) break;
      while (PGnotify* note = PQnotifies(conn)) {
        std::string_view const payload = note->extra;
        auto const space = payload.find(' ');
        std::int64_t id = 0;
        if (space != std::string_view::npos && payload.substr(0, space) != instance_id() &&
            std::from_chars(payload.data() + space + 1, payload.data() + payload.size(), id).ec ==
                std::errc{})
          on_change_(id);
        PQfreemem(note);
      }
    }
    PQfinish(conn);
    if (stopping_.load()) break;
    log::debug("change feed disconnected; reconnecting");
    for (auto waited = std::chrono::milliseconds{0}; waited < backoff && !stopping_.load();
         waited += std::chrono::milliseconds{50})
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    backoff = std::min(backoff * 2, std::chrono::milliseconds{5000});
  }
}

}  // namespace wsd::db
