// Two wsd instances on one PostgreSQL database, and only instance B's
// LISTEN backend frozen (SIGSTOP) for fifteen seconds while A writes: B's
// other connections stay healthy, so nothing fails, and the only way B can
// learn of A's writes before the backend is resumed is to notice that its
// LISTEN connection went silent, replace it and expire what it cached
// (SPEC "Cache semantics": detected and replaced within 10 s). Every write A
// acknowledges must show on B before the freeze ends, and B answers every
// read meanwhile. The figure the SPEC aims at (visible within 11 s of the
// stall's start) is printed; what fails the test is a write that does not
// show on B while the old connection is still frozen.
#include "support/await.hpp"
#include "support/http_client.hpp"
#include "support/postgres.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

namespace {

namespace json = boost::json;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using wsd::test::header_list;
using wsd::test::http_client;
using wsd::test::wsd_server;

constexpr seconds freeze_length{15};
// A writes for this long into the freeze, one workstation renamed per write.
constexpr seconds writing_for{9};
constexpr milliseconds write_every{500};
constexpr std::size_t item_count = 18;  // writing_for / write_every

wsd_server instance(std::string const& url) {
  return wsd_server({.args = {"--db", url, "--set", "log.access=false"}});
}

json::object feed_metrics(std::uint16_t port, header_list const& auth) {
  auto const r = wsd::test::request(port, "GET", "/api/performance/metrics", {}, auth);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return r.json().at("change_feed").as_object();
}

std::int64_t stalls(std::uint16_t port, header_list const& auth) {
  return feed_metrics(port, auth).at("expirations").at("stalled").to_number<std::int64_t>();
}

// The pid of instance `wsd_pid`'s LISTEN backend (the change feed names its
// connection after its process).
pid_t listen_backend(wsd::test::pg_cluster const& cluster, pid_t wsd_pid) {
  auto const out =
      cluster.psql("SELECT pid FROM pg_stat_activity WHERE application_name = 'wsd-change-feed-" +
                   std::to_string(wsd_pid) + "' AND query LIKE 'LISTEN%'");
  return static_cast<pid_t>(std::atol(out.c_str()));
}

// Reads every item on B over and over on its own connection, and notes when
// each name was first seen and every answer that was not 200.
class watcher {
 public:
  watcher(std::uint16_t port, header_list auth, std::vector<std::string> paths)
      : port_(port), auth_(std::move(auth)), paths_(std::move(paths)) {
    thread_ = std::jthread([this](std::stop_token const& stop) { run(stop); });
  }

  std::optional<steady::time_point> first_seen(std::string const& name) const {
    std::lock_guard const lock(mutex_);
    auto const it = seen_.find(name);
    if (it == seen_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> failures() const {
    std::lock_guard const lock(mutex_);
    return failures_;
  }
  std::size_t reads() const { return reads_.load(); }
  void stop() { thread_ = {}; }

 private:
  void run(std::stop_token const& stop) {
    http_client client(port_);
    while (!stop.stop_requested()) {
      for (auto const& path : paths_) {
        auto const r = client.request("GET", path, {}, auth_);
        reads_.fetch_add(1);
        std::lock_guard const lock(mutex_);
        if (r.status != 200) {
          failures_.push_back(path + " -> " + std::to_string(r.status) + " " + r.body);
          continue;
        }
        seen_.try_emplace(std::string(r.json().at("name").as_string()), steady::now());
      }
    }
  }

  std::uint16_t port_;
  header_list auth_;
  std::vector<std::string> paths_;
  mutable std::mutex mutex_;
  std::map<std::string, steady::time_point> seen_;
  std::vector<std::string> failures_;
  std::atomic<std::size_t> reads_{0};
  std::jthread thread_;  // last: joined before the members it uses go
};

std::string renamed(std::size_t n) {
  return "stall-" + std::to_string(n);
}

}  // namespace

TEST_SUITE("outage") {
  TEST_CASE("one instance's LISTEN backend frozen: the other's writes show on it in time") {
    auto const cluster = wsd::test::pg_cluster::from_env();
    wsd::test::pg_database const database(cluster);
    auto a = instance(database.url());
    auto b = instance(database.url());
    auto const token = wsd::test::login(a.port(), "admin", wsd::test::test_admin_password);
    header_list const auth{wsd::test::bearer(token)};

    std::vector<std::string> paths;
    for (std::size_t n = 0; n < item_count; ++n) {
      auto const r = wsd::test::request(
          a.port(), "POST", "/api/workstations",
          json::serialize(json::object{{"name", "seed-" + std::to_string(n)},
                                       {"host", "10.7.0." + std::to_string(n + 1)},
                                       {"port", 5985}}),
          auth);
      REQUIRE_MESSAGE(r.status == 201, r.body);
      paths.push_back("/api/workstations/" + std::to_string(r.json().at("id").as_int64()));
    }
    // B listens and holds every item in its cache.
    REQUIRE(wsd::test::eventually(
        [&] { return feed_metrics(b.port(), auth).at("state") == "listening"; }, seconds{30},
        milliseconds{50}));
    http_client on_a(a.port());
    http_client on_b(b.port());
    for (auto const& path : paths) {
      REQUIRE(on_b.request("GET", path, {}, auth).status == 200);
      REQUIRE(on_b.request("GET", path, {}, auth).header("X-Cache") == "HIT");
    }
    auto const backend = listen_backend(cluster, b.pid());
    REQUIRE_MESSAGE(backend > 0, "no LISTEN backend of instance B in pg_stat_activity");
    auto const stalls_before = stalls(b.port(), auth);

    watcher reads(b.port(), auth, paths);
    std::vector<std::pair<std::string, steady::time_point>> acknowledged;
    steady::time_point stall_started;
    steady::time_point all_seen{};
    {
      wsd::test::frozen_cluster const frozen(backend);
      REQUIRE(frozen.children_stopped() == 1);
      stall_started = steady::now();
      auto next = stall_started;
      for (std::size_t n = 0; n < item_count && steady::now() < stall_started + writing_for; ++n) {
        auto const name = renamed(n);
        auto const r =
            on_a.request("PATCH", paths[n], json::serialize(json::object{{"name", name}}), auth);
        CHECK_MESSAGE(r.status == 200, r.body);
        if (r.status == 200) acknowledged.emplace_back(name, steady::now());
        next += write_every;
        std::this_thread::sleep_until(next);
      }
      // While the old connection is still frozen, B must show every write.
      auto const seen_all = [&] {
        return std::ranges::all_of(
            acknowledged, [&](auto const& w) { return reads.first_seen(w.first).has_value(); });
      };
      CHECK_MESSAGE(wsd::test::eventually(seen_all,
                                          std::chrono::duration_cast<milliseconds>(
                                              stall_started + freeze_length - steady::now()),
                                          milliseconds{20}),
                    "instance B did not show every write of A while its LISTEN backend was frozen");
      if (seen_all()) all_seen = steady::now();
      CHECK(stalls(b.port(), auth) > stalls_before);
      std::this_thread::sleep_until(stall_started + freeze_length);  // the rest of the freeze
    }
    reads.stop();

    auto const failures = reads.failures();
    CHECK_MESSAGE(failures.empty(), failures.size() << " reads on B were not 200, the first: "
                                                    << (failures.empty() ? "" : failures.front()));
    CHECK(acknowledged.size() > 1);
    long long latest_ms = 0;
    long long worst_lag_ms = 0;
    for (auto const& [name, acked] : acknowledged) {
      auto const seen = reads.first_seen(name);
      if (!seen) continue;
      using std::chrono::duration_cast;
      latest_ms = std::max<long long>(latest_ms,
                                      duration_cast<milliseconds>(*seen - stall_started).count());
      worst_lag_ms =
          std::max<long long>(worst_lag_ms, duration_cast<milliseconds>(*seen - acked).count());
    }
    MESSAGE(
        "LISTEN stall on B: "
        << acknowledged.size() << " writes on A, " << reads.reads() << " reads on B ("
        << failures.size() << " not 200); the last write showed on B " << latest_ms
        << " ms after the stall began (worst lag after its 2xx " << worst_lag_ms
        << " ms); all seen "
        << (all_seen == steady::time_point{}
                ? std::string("never")
                : std::to_string(
                      std::chrono::duration_cast<milliseconds>(all_seen - stall_started).count()) +
                      " ms")
        << " after the stall began");

    // Resumed, the feed carries A's writes to B again.
    auto const after = wsd::test::request(
        a.port(), "PATCH", paths[0], json::serialize(json::object{{"name", "after-stall"}}), auth);
    REQUIRE(after.status == 200);
    CHECK(wsd::test::eventually(
        [&] {
          auto const r = wsd::test::request(b.port(), "GET", paths[0], {}, auth);
          return r.status == 200 && r.json().at("name") == "after-stall";
        },
        seconds{10}, milliseconds{20}));
    CHECK(feed_metrics(b.port(), auth).at("state") == "listening");
  }
}
