// The outage tests: the real wsd on a scratch PostgreSQL database under a
// steady load of reads and writes while the test cluster is faulted for five
// seconds, or until the load has seen the outage's effects if that takes
// longer, and restored: killed (`pg_ctl stop -m immediate`), shut down
// (`-m fast`) or frozen (SIGSTOP of every process), then started or
// resumed; or, with the server up throughout, every backend of the
// database terminated (`pg_terminate_backend`), which must not open the
// breaker. Checked against SPEC.md ("Circuit breaker", "Cache semantics",
// 503/504): an item cached before the fault never answers anything but 200,
// no acknowledged write is lost. Every other wait is for a condition, and
// nothing is bounded tighter than a hang: the figures (slowest request,
// recovery time, STALE and 503 counts) are in the printed timeline.
#include "support/await.hpp"
#include "support/http_client.hpp"
#include "support/postgres.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <ranges>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

namespace {

namespace json = boost::json;
using wsd::test::header_list;
using wsd::test::http_client;
using wsd::test::http_response;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view collection = "/api/workstations";
constexpr milliseconds query_timeout{1000};
constexpr seconds open_period{2};
// Issue 6 aims at no request slower than the query timeout plus a second and
// everything 2xx within open_seconds + 5 s of the restart; a loaded machine
// cannot promise those figures, so they are printed, and what fails the
// test is a request, a recovery or an awaited condition slower than this.
constexpr seconds hang_limit{30};
// Issue 6's outage lasts about five seconds; this one at least that long.
constexpr seconds outage_length{5};
constexpr int seeded_count = 6;

std::vector<std::string> server_args(std::string const& db_url) {
  return {"--db",  db_url,
          "--set", "breaker.failure_threshold=3",
          "--set", "breaker.window_seconds=10",
          "--set", "breaker.open_seconds=" + std::to_string(open_period.count()),
          "--set", "db.query_timeout_ms=" + std::to_string(query_timeout.count()),
          "--set", "cache.ttl_seconds=1",
          "--set", "cache.max_stale_seconds=3600",
          "--set", "log.access=false"};
}

enum class kind : std::uint8_t { item, list, write, ready };
constexpr std::array all_kinds{kind::item, kind::list, kind::write, kind::ready};

// What happens to PostgreSQL during the test.
enum class fault : std::uint8_t { kill_immediate, stop_fast, freeze, terminate_backends };

std::string_view to_string(fault f) {
  switch (f) {
    case fault::kill_immediate:
      return "`pg_ctl stop -m immediate`";
    case fault::stop_fast:
      return "`pg_ctl stop -m fast`";
    case fault::freeze:
      return "SIGSTOP of the cluster";
    case fault::terminate_backends:
      return "`pg_terminate_backend` of every backend";
  }
  return "?";
}

// Whether the fault takes the database away (rather than only its
// connections).
bool takes_database_down(fault f) {
  return f != fault::terminate_backends;
}

std::string_view to_string(kind k) {
  switch (k) {
    case kind::item:
      return "item GET";
    case kind::list:
      return "list GET";
    case kind::write:
      return "POST";
    case kind::ready:
      return "/ready";
  }
  return "?";
}

// One request and what came back; status 0 when no HTTP answer came (the
// connection failed), with the reason in `error`.
struct answer {
  kind what = kind::item;
  std::string target{};
  std::string name{};  // a write's workstation name, key and body
  std::string key{};
  std::string request_body{};
  steady::time_point sent{};
  steady::time_point done{};
  int status = 0;
  std::string x_cache{};
  bool warning = false;
  std::string retry_after{};
  std::string error{};  // the message of a non-2xx answer, or the transport failure
  std::string body{};

  bool ok() const noexcept { return status >= 200 && status < 300; }
  milliseconds took() const { return std::chrono::duration_cast<milliseconds>(done - sent); }
  bool breaker_refused() const { return error.find("circuit breaker open") != std::string::npos; }
};

long long ms_since(steady::time_point origin, steady::time_point at) {
  return std::chrono::duration_cast<milliseconds>(at - origin).count();
}

std::string describe(answer const& a, steady::time_point origin) {
  std::ostringstream out;
  out << to_string(a.what) << ' ' << a.target << " sent at +" << ms_since(origin, a.sent)
      << " ms, took " << a.took().count() << " ms: " << a.status << ' ' << a.x_cache << ' '
      << a.error;
  return out.str();
}

json::object object_of(std::string const& body) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec || !value.is_object()) return {};
  return std::move(value.as_object());
}

std::string string_at(json::object const& o, std::string_view key) {
  auto const* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string error_message(std::string const& body) {
  auto const o = object_of(body);
  auto const* error = o.if_contains("error");
  if (error == nullptr || !error->is_object()) return body.substr(0, 200);
  return string_at(error->as_object(), "message");
}

std::int64_t id_in(std::string const& body) {
  auto const o = object_of(body);
  auto const* id = o.if_contains("id");
  return id != nullptr && id->is_int64() ? id->as_int64() : 0;
}

std::string item_path(std::int64_t id) {
  return std::string(collection) + "/" + std::to_string(id);
}

std::string new_workstation(std::string const& name, int n, std::string_view tag) {
  return json::serialize(json::object{
      {"name", name},
      {"host", "10.9." + std::to_string(n / 250 % 250) + "." + std::to_string(n % 250 + 1)},
      {"port", 5985},
      {"status", "online"},
      {"tags", json::array{json::string(tag)}}});
}

// Every answer the load saw, in completion order.
class journal {
 public:
  void add(answer a) {
    std::lock_guard const lock(mutex_);
    if (!a.ok()) last_failure_ = std::max(last_failure_, a.done);
    answers_.push_back(std::move(a));
  }
  std::vector<answer> all() const {
    std::lock_guard const lock(mutex_);
    return answers_;
  }
  template <class Predicate>
  bool any(Predicate pred) const {
    std::lock_guard const lock(mutex_);
    return std::ranges::any_of(answers_, pred);
  }
  // When the latest non-2xx answer came (the epoch if none did).
  steady::time_point last_failure() const {
    std::lock_guard const lock(mutex_);
    return last_failure_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<answer> answers_;
  steady::time_point last_failure_{};
};

// Whether every kind of request has succeeded since `since`.
bool each_kind_succeeded(journal const& answers, steady::time_point since) {
  return std::ranges::all_of(all_kinds, [&](kind what) {
    return answers.any([&](answer const& a) { return a.what == what && a.sent > since && a.ok(); });
  });
}

// What the load must see while PostgreSQL is down (see check_outage).
bool stale_item(answer const& a) {
  return a.what == kind::item && a.status == 200 && a.x_cache == "STALE";
}
bool refused_write(answer const& a) {
  return a.what == kind::write && a.status == 503;
}
bool refused_by_breaker(answer const& a) {
  return a.status == 503 && a.breaker_refused();
}
bool degraded_ready(answer const& a) {
  auto const o = object_of(a.body);
  return a.what == kind::ready && a.status == 503 && string_at(o, "status") == "degraded" &&
         string_at(o, "circuit_breaker") == "open";
}

// Whether the load has seen each of them in an answer to a request sent
// since `since`.
bool outage_seen(journal const& answers, steady::time_point since) {
  return std::ranges::all_of(
      std::array{stale_item, refused_write, refused_by_breaker, degraded_ready},
      [&](auto const seen) {
        return answers.any([&](answer const& a) { return a.sent >= since && seen(a); });
      });
}

// A keep-alive connection that records each exchange in a journal; after a
// transport failure it reconnects for the next request.
class recording_client {
 public:
  recording_client(std::uint16_t port, std::string token, journal& log)
      : port_(port), token_(std::move(token)), log_(log) {}

  void send(answer a, std::string_view method, header_list headers = {}) {
    if (!token_.empty()) headers.push_back(wsd::test::bearer(token_));
    a.sent = steady::now();
    try {
      // Beyond hang_limit, so that a slow answer is judged as slow, with
      // its status, rather than as missing.
      if (!client_) client_.emplace(port_, 2 * hang_limit);
      auto const r = client_->request(method, a.target, a.request_body, std::move(headers));
      a.status = r.status;
      a.x_cache = r.header("X-Cache");
      a.warning = r.has_header("Warning");
      a.retry_after = r.header("Retry-After");
      a.body = r.body;
      if (!a.ok()) a.error = error_message(r.body);
    } catch (std::exception const& e) {
      client_.reset();
      a.error = e.what();
    }
    a.done = steady::now();
    log_.add(std::move(a));
  }

 private:
  std::uint16_t port_;
  std::string token_;
  journal& log_;
  std::optional<http_client> client_;
};

struct breaker_sample {
  steady::time_point at;
  std::string state;  // from the metrics, or why it could not be read
};

// The steady load: three readers cycle over the seeded items and a few list
// queries, a writer creates uniquely named workstations (each with its own
// Idempotency-Key), and a watcher checks that the process lives and polls the
// breaker's state and /ready. Each thread has its own connection. The pacing
// sleeps set the load's rate; they wait for no condition.
class load {
 public:
  load(wsd::test::wsd_server const& server, std::string token, std::vector<std::int64_t> ids)
      : server_(server), token_(std::move(token)), ids_(std::move(ids)) {}

  void start() {
    for (std::size_t r = 0; r < 3; ++r)
      threads_.emplace_back([this, r](std::stop_token const& stop) { read(stop, r); });
    threads_.emplace_back([this](std::stop_token const& stop) { write(stop); });
    threads_.emplace_back([this](std::stop_token const& stop) { watch(stop); });
  }

  void stop() { threads_.clear(); }  // a jthread asks its thread to stop, then joins it

  journal const& answers() const noexcept { return answers_; }
  std::vector<breaker_sample> breaker_samples() const {
    std::lock_guard const lock(mutex_);
    return samples_;
  }
  bool process_ever_gone() const noexcept { return process_gone_.load(); }

 private:
  void read(std::stop_token const& stop, std::size_t reader) {
    static constexpr std::string_view lists[] = {"?limit=5", "?status=online&limit=50", "?tag=seed",
                                                 "?offset=2&limit=3"};
    recording_client client(server_.port(), token_, answers_);
    auto next = steady::now();
    for (std::size_t n = reader; !stop.stop_requested(); ++n) {
      if (n % 4 == 3)
        client.send(
            {.what = kind::list, .target = std::string(collection) + std::string(lists[n / 4 % 4])},
            "GET");
      else
        client.send({.what = kind::item, .target = item_path(ids_[n % ids_.size()])}, "GET");
      next += milliseconds{25};
      std::this_thread::sleep_until(next);
    }
  }

  void write(std::stop_token const& stop) {
    recording_client client(server_.port(), token_, answers_);
    auto next = steady::now();
    for (int n = 0; !stop.stop_requested(); ++n) {
      auto const name = "outage-" + std::to_string(n);
      auto const key = "outage-key-" + std::to_string(n);
      client.send({.what = kind::write,
                   .target = std::string(collection),
                   .name = name,
                   .key = key,
                   .request_body = new_workstation(name, n, "outage")},
                  "POST", {{"Idempotency-Key", key}});
      next += milliseconds{40};
      std::this_thread::sleep_until(next);
    }
  }

  void watch(std::stop_token const& stop) {
    recording_client ready(server_.port(), {}, answers_);
    std::optional<http_client> metrics;
    auto next = steady::now();
    while (!stop.stop_requested()) {
      if (!server_.running()) process_gone_.store(true);
      sample_breaker(metrics);
      ready.send({.what = kind::ready, .target = "/ready"}, "GET");
      next += milliseconds{100};
      std::this_thread::sleep_until(next);
    }
  }

  void sample_breaker(std::optional<http_client>& client) {
    breaker_sample sample{steady::now(), {}};
    try {
      if (!client) client.emplace(server_.port(), seconds{10});
      auto const r =
          client->request("GET", "/api/performance/metrics", {}, {wsd::test::bearer(token_)});
      sample.state = r.status == 200
                         ? string_at(r.json().at("circuit_breaker").as_object(), "state")
                         : "metrics answered " + std::to_string(r.status);
    } catch (std::exception const& e) {
      client.reset();
      sample.state = std::string("metrics failed: ") + e.what();
    }
    std::lock_guard const lock(mutex_);
    samples_.push_back(std::move(sample));
  }

  wsd::test::wsd_server const& server_;
  std::string token_;
  std::vector<std::int64_t> ids_;
  journal answers_;
  mutable std::mutex mutex_;
  std::vector<breaker_sample> samples_;
  std::atomic<bool> process_gone_{false};
  std::vector<std::jthread> threads_;  // last: joined before the members they use go
};

struct outage_times {
  steady::time_point stop_called;  // t = 0 of the timeline: the fault begins
  steady::time_point stop_returned;
  steady::time_point start_called;
  steady::time_point started;  // PostgreSQL accepts connections (runs) again
};

// Every backend of `database` but psql's own.
void terminate_backends(wsd::test::pg_cluster const& cluster,
                        wsd::test::pg_database const& database) {
  cluster.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" +
               database.name() + "' AND pid <> pg_backend_pid()");
}

// Faults PostgreSQL and keeps it so for outage_length and until
// seen(fault applied) holds (or hang_limit passes: the checks then say what
// was missing), then restores it; the guards restart or resume it even if
// this throws, since other tests share the cluster.
template <class Condition>
outage_times run_outage(wsd::test::pg_cluster const& cluster,
                        wsd::test::pg_database const& database, fault f, Condition seen) {
  wsd::test::pg_restart_guard const guard(cluster);
  std::optional<wsd::test::frozen_cluster> frozen;
  outage_times t;
  t.stop_called = steady::now();
  switch (f) {
    case fault::kill_immediate:
      cluster.stop_immediately();
      break;
    case fault::stop_fast:
      cluster.stop_fast();
      break;
    case fault::freeze:
      frozen.emplace(cluster);
      REQUIRE(frozen->postmaster_stopped());
      break;
    case fault::terminate_backends:
      terminate_backends(cluster, database);
      break;
  }
  t.stop_returned = steady::now();
  wsd::test::eventually([&] { return seen(t.stop_returned); }, hang_limit, milliseconds{50});
  std::this_thread::sleep_until(t.stop_called + outage_length);  // the outage itself
  t.start_called = steady::now();
  if (f == fault::kill_immediate || f == fault::stop_fast) cluster.start();
  if (frozen) frozen->resume();
  t.started = steady::now();
  return t;
}

// Once recovered, many uncached reads at once (each a new list key, so each
// a database query) on more connections than the pool has sessions: every
// pooled connection must work again, not only those the steady load
// happened to use.
std::vector<answer> burst(std::uint16_t port, std::string const& token) {
  constexpr std::size_t clients = 8;
  constexpr std::size_t each = 10;
  journal answers;
  std::latch ready(clients);
  {
    std::vector<std::jthread> threads;
    for (std::size_t c = 0; c < clients; ++c)
      threads.emplace_back([&, c] {
        recording_client client(port, token, answers);
        ready.arrive_and_wait();
        for (std::size_t n = 0; n < each; ++n)
          client.send({.what = kind::list,
                       .target = std::string(collection) +
                                 "?limit=1&offset=" + std::to_string(c * each + n)},
                      "GET");
      });
  }
  return answers.all();
}

// One request with the admin token on a fresh connection.
http_response call(std::uint16_t port, std::string const& token, std::string_view method,
                   std::string_view target, std::string_view body = {}, header_list headers = {}) {
  headers.push_back(wsd::test::bearer(token));
  return wsd::test::request(port, method, target, body, std::move(headers));
}

// For the checks after the load: the request repeated while it answers 503,
// for up to hang_limit, so that a slow recovery (judged by check_recovery)
// does not hide what became of the writes.
http_response call_once_up(std::uint16_t port, std::string const& token, std::string_view method,
                           std::string_view target, std::string_view body = {},
                           header_list const& headers = {}) {
  http_response r;
  wsd::test::eventually(
      [&] {
        r = call(port, token, method, target, body, headers);
        return r.status != 503;
      },
      hang_limit, milliseconds{100});
  return r;
}

std::vector<std::int64_t> seed(std::uint16_t port, std::string const& token) {
  std::vector<std::int64_t> ids;
  for (int n = 0; n < seeded_count; ++n) {
    auto const r = call(port, token, "POST", collection,
                        new_workstation("seed-" + std::to_string(n), 1000 + n, "seed"));
    INFO("seeding: " << r.status << " " << r.body);
    REQUIRE(r.status == 201);
    ids.push_back(id_in(r.body));
  }
  return ids;
}

// Every workstation the API lists, by name, walking all pages.
std::multimap<std::string, std::int64_t> listed(std::uint16_t port, std::string const& token) {
  std::multimap<std::string, std::int64_t> names;
  for (std::size_t offset = 0;; offset += 1000) {
    auto const r =
        call_once_up(port, token, "GET",
                     std::string(collection) + "?limit=1000&offset=" + std::to_string(offset));
    INFO("listing: " << r.status << " " << r.body.substr(0, 300));
    REQUIRE(r.status == 200);
    auto const items = r.json().at("items").as_array();
    for (auto const& item : items)
      names.emplace(item.at("name").as_string().c_str(), item.at("id").as_int64());
    if (items.size() < 1000) return names;
  }
}

// Fails with the first few answers that match `bad`, described.
template <class Predicate>
void check_none(std::vector<answer> const& answers, steady::time_point origin,
                std::string_view what, Predicate bad) {
  std::size_t count = 0;
  std::string examples;
  for (auto const& a : answers) {
    if (!bad(a)) continue;
    if (++count <= 8) examples += "\n  " + describe(a, origin);
  }
  CHECK_MESSAGE(count == 0, count << " answers " << what << ":" << examples);
}

// No 500, no dropped connection, no request that hangs, a 503 always says
// when to retry, and only writes (caught mid-statement) may answer 504 —
// unless the server froze, when an uncached list read may wait in vain too.
// Cached items never answer 504 (see check_outage).
void check_every_answer(std::vector<answer> const& all, steady::time_point origin, fault f) {
  check_none(all, origin, "without an HTTP answer", [](answer const& a) { return a.status == 0; });
  check_none(all, origin, "with a 5xx other than 503 and 504",
             [](answer const& a) { return a.status >= 500 && a.status != 503 && a.status != 504; });
  check_none(all, origin, "slower than the hang limit",
             [](answer const& a) { return a.took() > hang_limit; });
  check_none(all, origin, "503 without a positive Retry-After", [](answer const& a) {
    return a.status == 503 && std::atoi(a.retry_after.c_str()) < 1;
  });
  check_none(all, origin, "504 to something other than a write", [f](answer const& a) {
    return a.status == 504 && a.what != kind::write &&
           !(f == fault::freeze && a.what == kind::list);
  });
  check_none(all, origin, "with a status the load never expects", [](answer const& a) {
    return a.status != 0 && !a.ok() && a.status != 503 && a.status != 504;
  });
}

// Before the fault everything succeeds. The items were cached before it:
// they answer 200 throughout, during the fault and after the restore (STALE
// once expired, with a Warning, while the database fails). While PostgreSQL
// is down, lists whose entries the writes invalidated, and the writes
// themselves, answer 503.
void check_outage(std::vector<answer> const& all, outage_times const& t, fault f) {
  auto const origin = t.stop_called;
  check_none(all, origin, "failing before PostgreSQL was faulted",
             [&](answer const& a) { return !a.ok() && a.done < t.stop_called; });
  check_none(all, origin, "to a cached item that were not 200",
             [](answer const& a) { return a.what == kind::item && a.status != 200; });
  check_none(all, origin, "STALE without a Warning",
             [](answer const& a) { return a.x_cache == "STALE" && !a.warning; });
  if (!takes_database_down(f)) return;
  auto const down = [&](answer const& a) {
    return a.sent >= t.stop_returned && a.done <= t.started;
  };
  auto const seen_down = [&](auto const seen) {
    return std::ranges::any_of(all, [&](answer const& a) { return down(a) && seen(a); });
  };
  CHECK_MESSAGE(seen_down(stale_item), "no cached item was served STALE while PostgreSQL was down");
  CHECK_MESSAGE(seen_down(refused_write), "no write answered 503 while PostgreSQL was down");
  CHECK_MESSAGE(seen_down(refused_by_breaker),
                "the breaker never refused a call during the outage");
  CHECK_MESSAGE(seen_down(degraded_ready),
                "/ready never answered 503 degraded with the breaker open");
}

// After the restart: 2xx again (within hang_limit), and the load went on
// long enough after that to show it (every kind of request succeeded).
void check_recovery(std::vector<answer> const& all, outage_times const& t,
                    steady::time_point last_failure) {
  auto const recovered = std::max(t.started, last_failure);
  bool const in_time = recovered - t.started <= hang_limit;
  CHECK_MESSAGE(in_time,
                "still failing " << ms_since(t.started, recovered) << " ms after the restart");
  if (!in_time) return;  // the load ended before it could show a recovery
  for (auto const what : all_kinds) {
    auto const after = std::ranges::count_if(
        all, [&](answer const& a) { return a.what == what && a.sent > recovered && a.ok(); });
    CHECK_MESSAGE(after > 0, "no " << to_string(what) << " succeeded after the recovery");
  }
}

// 2xx writes are all there, 503'd writes left nothing behind, and a write
// whose outcome was unknown (504, lost answer) retried with its
// Idempotency-Key yields exactly one workstation.
void check_writes(std::vector<answer> const& all, std::uint16_t port, std::string const& token,
                  std::set<std::string> const& in_database, steady::time_point origin) {
  auto const names = listed(port, token);
  CHECK(std::set<std::string>(std::views::keys(names).begin(), std::views::keys(names).end()) ==
        in_database);
  std::vector<answer const*> unknown;
  for (auto const& a : all) {
    if (a.what != kind::write) continue;
    INFO(describe(a, origin));
    if (a.ok()) {
      CHECK(a.status == 201);
      CHECK(names.count(a.name) == 1);
      auto const r = call_once_up(port, token, "GET", item_path(id_in(a.body)));
      CHECK(r.status == 200);
      CHECK(string_at(object_of(r.body), "name") == a.name);
    } else if (a.status == 503) {
      CHECK_MESSAGE(names.count(a.name) == 0, "a write answered 503 was applied");
    } else {
      unknown.push_back(&a);
    }
  }
  for (auto const* a : unknown) {
    auto const r = call_once_up(port, token, "POST", collection, a->request_body,
                                {{"Idempotency-Key", a->key}});
    INFO("retry of " << describe(*a, origin) << " -> " << r.status << " " << r.body);
    CHECK(r.status == 201);
  }
  auto const after_retries = listed(port, token);
  for (auto const* a : unknown) CHECK(after_retries.count(a->name) == 1);
}

// The names of the load's workstations as PostgreSQL itself has them (no cache).
std::set<std::string> names_in(wsd::test::pg_cluster const& cluster,
                               wsd::test::pg_database const& database) {
  std::set<std::string> names;
  std::istringstream rows(cluster.psql("SELECT name FROM workstations", database.name()));
  for (std::string name; std::getline(rows, name);)
    if (!name.empty()) names.insert(name);
  return names;
}

// After the recovery: /ready, the breaker in the metrics (opened by an
// outage, never by lost connections alone), and the admin reset.
std::string check_breaker_reporting(std::uint16_t port, std::string const& token, fault f) {
  auto const ready = call_once_up(port, token, "GET", "/ready");
  CHECK(ready.status == 200);
  CHECK(string_at(object_of(ready.body), "status") == "ready");
  auto const metrics = call(port, token, "GET", "/api/performance/metrics");
  REQUIRE(metrics.status == 200);
  auto const breaker = metrics.json().at("circuit_breaker").as_object();
  INFO("circuit_breaker: " << json::serialize(breaker));
  if (takes_database_down(f)) {
    CHECK(breaker.at("opened_count").to_number<std::int64_t>() >= 1);
    CHECK(breaker.at("last_opened_at").is_string());
  } else {
    CHECK(breaker.at("opened_count").to_number<std::int64_t>() == 0);
  }
  CHECK(string_at(breaker, "state") == "closed");
  auto const reset = call(port, token, "POST", "/api/performance/circuit-breaker/reset");
  CHECK(reset.status == 200);
  CHECK(string_at(object_of(reset.body), "state") == "closed");
  return json::serialize(breaker);
}

// "closed +0 ms -> open +99 ms -> ...": each change of state the watcher saw.
std::string transitions(std::vector<breaker_sample> const& samples, steady::time_point origin) {
  std::string out;
  std::string last;
  for (auto const& s : samples) {
    if (s.state == last) continue;
    if (!out.empty()) out += " -> ";
    out += s.state + " +" + std::to_string(ms_since(origin, s.at)) + " ms";
    last = s.state;
  }
  return out;
}

// How many answers failed once PostgreSQL was back, and why.
std::string failures_after(std::vector<answer> const& all, steady::time_point started) {
  std::map<std::string, int> reasons;
  int count = 0;
  for (auto const& a : all) {
    if (a.ok() || a.done < started) continue;
    ++count;
    ++reasons[std::to_string(a.status) + " " + std::string(to_string(a.what)) + ": " + a.error];
  }
  std::string out = std::to_string(count);
  for (auto const& [reason, n] : reasons) out += "\n    " + std::to_string(n) + " x " + reason;
  return out;
}

// The server's last diagnostics about its database connections.
std::string database_log(std::string const& err) {
  std::vector<std::string> lines;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (line.find("database") != std::string::npos) lines.push_back(line);
  auto const from = lines.size() > 12 ? lines.size() - 12 : 0;
  std::string out;
  for (auto i = from; i < lines.size(); ++i) out += "\n    " + lines[i];
  return out;
}

std::string timeline(std::vector<answer> const& all, std::vector<breaker_sample> const& samples,
                     outage_times const& t, steady::time_point last_failure,
                     std::string const& breaker, fault f) {
  auto const at = [&](steady::time_point p) {
    return "+" + std::to_string(ms_since(t.stop_called, p)) + " ms";
  };
  auto const first = [&](auto pred) -> answer const* {
    answer const* found = nullptr;
    for (auto const& a : all)
      if (pred(a) && (found == nullptr || a.sent < found->sent)) found = &a;
    return found;
  };
  auto const count = [&](auto pred) { return std::ranges::count_if(all, pred); };
  std::ostringstream out;
  out << "outage timeline (t = 0: " << to_string(f) << ")\n"
      << "  fault applied                        " << at(t.stop_returned) << '\n';
  if (auto const* a = first([](answer const& a) { return !a.ok(); }))
    out << "  first failed answer (request sent)   " << at(a->sent) << "  " << a->status << ' '
        << to_string(a->what) << ": " << a->error << '\n';
  if (auto const* a = first([](answer const& a) { return a.breaker_refused(); }))
    out << "  first breaker refusal (sent)         " << at(a->sent) << '\n';
  out << "  breaker as the watcher saw it        " << transitions(samples, t.stop_called) << '\n';
  out << "  restore called / returned            " << at(t.start_called) << " / " << at(t.started)
      << '\n'
      << "  last failed answer (done)            " << at(std::max(last_failure, t.stop_called))
      << "  = recovery " << ms_since(t.started, std::max(last_failure, t.started))
      << " ms after PostgreSQL was restored\n"
      << "  failures after the restart           " << failures_after(all, t.started) << '\n'
      << "  answers: " << all.size() << " in all; item GET "
      << count([](answer const& a) { return a.what == kind::item; }) << " (STALE "
      << count([](answer const& a) { return a.what == kind::item && a.x_cache == "STALE"; })
      << ", not 200 "
      << count([](answer const& a) { return a.what == kind::item && a.status != 200; })
      << "), list GET STALE "
      << count([](answer const& a) { return a.what == kind::list && a.x_cache == "STALE"; }) << '\n'
      << "  503: " << count([](answer const& a) { return a.status == 503; }) << " (breaker refused "
      << count([](answer const& a) { return a.status == 503 && a.breaker_refused(); })
      << "; writes "
      << count([](answer const& a) { return a.status == 503 && a.what == kind::write; })
      << ", lists "
      << count([](answer const& a) { return a.status == 503 && a.what == kind::list; })
      << ", /ready "
      << count([](answer const& a) { return a.status == 503 && a.what == kind::ready; })
      << ")  504: " << count([](answer const& a) { return a.status == 504; })
      << "  no answer: " << count([](answer const& a) { return a.status == 0; }) << '\n';
  auto const slowest = std::ranges::max(all, {}, [](answer const& a) { return a.took(); });
  out << "  slowest request " << slowest.took().count() << " ms (" << to_string(slowest.what)
      << ", " << slowest.status << ")\n"
      << "  circuit_breaker after recovery: " << breaker;
  return out.str();
}

// The whole scenario: seed and cache the items, start the load, fault
// PostgreSQL, restore it, and check every answer, the recovery, the writes
// and the breaker.
void outage_scenario(fault f) {
  auto const cluster = wsd::test::pg_cluster::from_env();
  wsd::test::pg_database const database(cluster);
  wsd::test::wsd_server server({.args = server_args(database.url())});
  auto const token = wsd::test::login(server.port(), "admin", wsd::test::test_admin_password);
  auto const ids = seed(server.port(), token);
  for (auto const id : ids) REQUIRE(call(server.port(), token, "GET", item_path(id)).status == 200);

  load traffic(server, token, ids);
  traffic.start();
  auto const& record = traffic.answers();
  auto const began = steady::now();
  CHECK_MESSAGE(wsd::test::eventually([&] { return each_kind_succeeded(record, began); },
                                      hang_limit, milliseconds{50}),
                "the load did not get going before the outage");
  auto const t = run_outage(cluster, database, f, [&](steady::time_point down) {
    return takes_database_down(f) ? outage_seen(record, down) : each_kind_succeeded(record, down);
  });
  // Recovered: every kind of request succeeded after the last failure.
  CHECK_MESSAGE(wsd::test::eventually(
                    [&] {
                      auto const since = std::max(t.started, record.last_failure());
                      return each_kind_succeeded(record, since);
                    },
                    hang_limit, milliseconds{50}),
                "no recovery within " << hang_limit.count() << " s of the restore");
  auto const after_recovery = burst(server.port(), token);
  // And the load goes on until it shows that the burst changed nothing.
  auto const burst_done = steady::now();
  CHECK(wsd::test::eventually([&] { return each_kind_succeeded(record, burst_done); }, hang_limit,
                              milliseconds{50}));
  traffic.stop();

  auto const all = traffic.answers().all();
  auto const last_failure = traffic.answers().last_failure();
  auto const samples = traffic.breaker_samples();
  CHECK_FALSE(traffic.process_ever_gone());
  REQUIRE(server.running());
  check_every_answer(all, t.stop_called, f);
  check_every_answer(after_recovery, t.stop_called, f);
  check_outage(all, t, f);
  check_recovery(all, t, last_failure);
  check_none(after_recovery, t.stop_called, "failing in a burst after the recovery",
             [](answer const& a) { return !a.ok(); });
  if (!takes_database_down(f))
    CHECK_MESSAGE(std::ranges::none_of(samples, [](auto const& s) { return s.state == "open"; }),
                  "the breaker opened although the database never went down");
  check_writes(all, server.port(), token, names_in(cluster, database), t.stop_called);
  auto const breaker = check_breaker_reporting(server.port(), token, f);
  MESSAGE(timeline(all, samples, t, last_failure, breaker, f)
          << "\n  the server's last database diagnostics:" << database_log(server.err()));
}

}  // namespace

TEST_SUITE("outage") {
  TEST_CASE("PostgreSQL killed under load: stale reads, fast 503s, no lost or half-applied write") {
    outage_scenario(fault::kill_immediate);
  }
  TEST_CASE("PostgreSQL shut down fast under load: cached items answer throughout") {
    outage_scenario(fault::stop_fast);
  }
  TEST_CASE("frozen PostgreSQL cluster under load: cached items answer throughout") {
    outage_scenario(fault::freeze);
  }
  TEST_CASE("every backend terminated under load: reads retried, the breaker stays closed") {
    outage_scenario(fault::terminate_backends);
  }
}
