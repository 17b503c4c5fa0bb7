#include "wsd/db/change_feed.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <optional>

#include <soci/soci.h>

#include "wsd/log/logger.hpp"

namespace wsd::db {

namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

constexpr char const* channel_sql = "LISTEN wsd_changes";
// How often the listener looks at its stop flag.
constexpr int poll_ms = 200;
// After this much silence the listener asks the server for a round trip...
constexpr milliseconds quiet_before_probe{3000};
// ...and replaces the connection if the answer takes longer than this:
// a stall is found within quiet_before_probe + probe_deadline (+ a poll).
constexpr milliseconds probe_deadline{3000};
constexpr milliseconds first_backoff{100};
constexpr milliseconds max_backoff{2000};

// Identifies this process in payloads so it can skip its own writes.
std::string const& instance_id() {
  static std::string const id =
      std::to_string(::getpid()) + "-" + std::to_string(steady::now().time_since_epoch().count());
  return id;
}

bool has_param(std::string const& connect, std::string_view key) {
  auto const at = connect.find(std::string(key) + "=");
  return at != std::string::npos && (at == 0 || connect[at - 1] == ' ');
}

// The listener's own connection settings, unless db.url sets them: a
// bounded connect (a frozen server must not hang the thread), TCP
// keepalives (a dead path is noticed by the kernel too) and a name that
// tells its backend apart in pg_stat_activity: wsd-change-feed-<pid>.
std::string listener_connect(std::string connect) {
  std::string const name = "application_name=wsd-change-feed-" + std::to_string(::getpid());
  for (std::string_view const param : {std::string_view("connect_timeout=3"),
                                       {"keepalives=1"},
                                       {"keepalives_idle=5"},
                                       {"keepalives_interval=2"},
                                       {"keepalives_count=2"},
                                       std::string_view(name)}) {
    if (!has_param(connect, param.substr(0, param.find('=')))) connect.append(" ").append(param);
  }
  return connect;
}

// A connection listening on the channel, or null.
PGconn* open_listening(std::string const& connect) {
  PGconn* conn = PQconnectdb(connect.c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  if (ok) {
    PGresult* res = PQexec(conn, channel_sql);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
  }
  if (ok) ok = PQsetnonblocking(conn, 1) == 0;
  if (ok) return conn;
  log::debug(std::string("change feed cannot listen: ") + PQerrorMessage(conn));
  PQfinish(conn);
  return nullptr;
}

enum class probe_state : std::uint8_t { pending, answered, failed };

// Reads what has arrived of the round trip's answer, without blocking.
probe_state read_probe(PGconn* conn) {
  while (!PQisBusy(conn)) {
    PGresult* res = PQgetResult(conn);
    if (!res) return probe_state::answered;
    bool const ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    if (!ok) return probe_state::failed;
  }
  return probe_state::pending;
}

}  // namespace

std::string_view to_string(doubt why) noexcept {
  switch (why) {
    case doubt::listening_started:
      return "listening_started";
    case doubt::reconnected:
      return "reconnected";
    case doubt::stalled:
      return "stalled";
  }
  return "reconnected";
}

change_feed::change_feed(std::string connect, handlers on, metrics::change_feed_metrics& metrics)
    : connect_(listener_connect(std::move(connect))),
      on_(std::move(on)),
      metrics_(metrics),
      listener_([this] { run(); }) {
  metrics_.enabled.store(true);
}

change_feed::~change_feed() {
  stop();
}

void change_feed::stop() {
  stopping_.store(true);
  if (listener_.joinable()) listener_.join();
  metrics_.listening.store(0, std::memory_order_relaxed);
}

void change_feed::announce(soci::session& sql, std::int64_t id) {
  std::string const payload = instance_id() + " " + std::to_string(id);
  sql << "SELECT pg_notify('wsd_changes', :payload)", soci::use(payload);
}

// "<instance> <workstation id>" from another instance. Other kinds of
// notification get their own handler beside workstation_changed.
void change_feed::deliver(std::string_view payload) const {
  auto const space = payload.find(' ');
  if (space == std::string_view::npos || payload.substr(0, space) == instance_id()) return;
  std::int64_t id = 0;
  auto const digits = payload.substr(space + 1);
  if (std::from_chars(digits.data(), digits.data() + digits.size(), id).ec == std::errc{} &&
      on_.workstation_changed)
    on_.workstation_changed(id);
}

bool change_feed::wait_first_attempt(milliseconds bound) const {
  auto const until = steady::now() + bound;
  while (!first_attempt_done_.load() && steady::now() < until)
    std::this_thread::sleep_for(milliseconds{10});
  return metrics_.listening.load(std::memory_order_relaxed) == 1;
}

// Hands on notifications until the connection fails (reconnected) or stops
// answering a round trip in time (stalled), or the feed stops.
doubt change_feed::listen(PGconn* conn) const {
  auto last_heard = steady::now();
  // When the round trip in flight was sent; none is while it is max().
  constexpr auto none = steady::time_point::max();
  auto probe_sent = none;
  while (!stopping_.load()) {
    pollfd pfd{PQsocket(conn), POLLIN, 0};
    int const ready = ::poll(&pfd, 1, poll_ms);
    if (ready < 0 && errno != EINTR) return doubt::reconnected;
    if (ready > 0) {
      if (!PQconsumeInput(conn)) return doubt::reconnected;
      last_heard = steady::now();
      while (PGnotify* note = PQnotifies(conn)) {
        deliver(note->extra);
        PQfreemem(note);
      }
    }
    if (probe_sent != none) {
      auto const state = read_probe(conn);
      if (state == probe_state::failed) return doubt::reconnected;
      if (state == probe_state::answered) probe_sent = none;
    }
    auto const now = steady::now();
    if (probe_sent != none && now - probe_sent > probe_deadline) return doubt::stalled;
    if (probe_sent == none && now - last_heard >= quiet_before_probe) {
      if (!PQsendQuery(conn, "SELECT 1") || PQflush(conn) < 0) return doubt::reconnected;
      probe_sent = now;
    } else if (probe_sent != none && PQflush(conn) < 0) {
      return doubt::reconnected;
    }
  }
  return doubt::reconnected;
}

void change_feed::pause(milliseconds how_long) const {
  for (auto waited = milliseconds{0}; waited < how_long && !stopping_.load();
       waited += milliseconds{50})
    std::this_thread::sleep_for(milliseconds{50});
}

// Listens until stopped. Every (re)established LISTEN is announced as a
// doubt, since notifications sent while not listening are gone; a lost or
// silent connection is replaced, with backoff while the server is away.
void change_feed::run() {
  auto backoff = first_backoff;
  std::optional<doubt> next_doubt = doubt::listening_started;
  while (!stopping_.load()) {
    PGconn* conn = open_listening(connect_);
    first_attempt_done_.store(true);
    if (!conn) {
      pause(backoff);
      backoff = std::min(backoff * 2, max_backoff);
      continue;
    }
    backoff = first_backoff;
    metrics_.listening.store(1, std::memory_order_relaxed);
    if (next_doubt) {
      metrics_.expirations[static_cast<std::size_t>(*next_doubt)].fetch_add(
          1, std::memory_order_relaxed);
      if (on_.on_doubt) on_.on_doubt(*next_doubt);
    }
    next_doubt = listen(conn);
    metrics_.listening.store(0, std::memory_order_relaxed);
    PQfinish(conn);
    if (stopping_.load()) break;
    metrics_.reconnects.fetch_add(1, std::memory_order_relaxed);
    log::warn(std::string("change feed ") + (*next_doubt == doubt::stalled ? "stalled" : "lost") +
              "; listening again");
  }
}

}  // namespace wsd::db
