// Black-box tests of Idempotency-Key on workstation writes: the real wsd
// binary on a temporary SQLite file and on a scratch PostgreSQL database
// (WSD_TEST_PG), checked against SPEC.md and the safe-retries issue. The last
// case freezes the throwaway PostgreSQL cluster with SIGSTOP to make a write
// time out, then retries it with its key.
#include "support/await.hpp"
#include "support/http_client.hpp"
#include "support/postgres.hpp"
#include "support/process.hpp"
#include "support/scratch_store.hpp"

#include <signal.h>

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <latch>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <soci/soci.h>
#include <boost/json.hpp>

namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using wsd::test::eventually;
using wsd::test::header_list;
using wsd::test::http_client;
using wsd::test::http_response;
using wsd::test::scratch_store;
using wsd::test::wsd_server;

constexpr std::string_view collection = "/api/workstations";

// A running wsd on a test's scratch store (a temporary SQLite file or a
// scratch PostgreSQL database), with an admin token.
class api_server {
 public:
  explicit api_server(scratch_store const& store, std::vector<std::string> extra_args = {})
      : store_(store),
        server_(options_for(store, std::move(extra_args))),
        admin_(wsd::test::login(server_.port(), "admin", wsd::test::test_admin_password)) {}

  std::uint16_t port() const noexcept { return server_.port(); }
  std::string const& admin() const noexcept { return admin_; }

  // One request as `token` on a fresh connection.
  http_response call_as(std::string const& token, std::string_view method, std::string_view target,
                        std::string_view body = {}, header_list headers = {}) const {
    headers.push_back(wsd::test::bearer(token));
    return wsd::test::request(port(), method, target, body, std::move(headers));
  }
  http_response call(std::string_view method, std::string_view target, std::string_view body = {},
                     header_list headers = {}) const {
    return call_as(admin_, method, target, body, std::move(headers));
  }

  // Creates a user with role and returns its token.
  std::string add_user(std::string const& name, std::string const& role) const {
    auto const password = name + "-password-123";
    auto const body =
        json::serialize(json::object{{"username", name}, {"password", password}, {"role", role}});
    auto const r = call("POST", "/api/users", body);
    REQUIRE_MESSAGE(r.status == 201, "POST /api/users -> " << r.status << " " << r.body);
    return wsd::test::login(port(), name, password);
  }

  // A session of the test's own on the server's database.
  soci::session open_session() const { return store_.open_session(); }
  bool is_pg() const noexcept { return store_.is_pg(); }

  std::string diagnostics() const {
    auto tail = [](std::string const& text) {
      return text.size() > 3000 ? text.substr(text.size() - 3000) : text;
    };
    return std::string(server_.running() ? "server running" : "server exited") +
           "; stderr: " + tail(server_.err()) + "; stdout tail: " + tail(server_.out());
  }

 private:
  static wsd_server::options options_for(scratch_store const& store,
                                         std::vector<std::string> extra) {
    wsd_server::options options;
    options.args = {"--db", store.url()};
    options.args.insert(options.args.end(), extra.begin(), extra.end());
    return options;
  }

  scratch_store const& store_;  // the caller's, which outlives the server
  wsd_server server_;
  std::string admin_;
};

// Runs body once per backend, each as its own subcase with a fresh server.
template <class Body>
void on_each_backend(Body body, std::vector<std::string> const& args = {}) {
  wsd::test::on_each_backend([&body, &args](scratch_store const& store) {
    api_server const server(store, args);
    body(server);
  });
}

header_list with_key(std::string key) {
  return {{"Idempotency-Key", std::move(key)}};
}

bool replayed(http_response const& r) {
  return r.header("Idempotent-Replayed") == "true";
}

std::string machine(std::string const& name, int port = 5985) {
  return R"({"name":")" + name + R"(","host":"10.0.0.1","port":)" + std::to_string(port) + "}";
}

// How many workstations are named `name` (the test's databases are small).
int count_named(api_server const& server, std::string const& name) {
  auto const r = server.call("GET", std::string(collection) + "?limit=1000");
  REQUIRE_MESSAGE(r.status == 200, "list -> " << r.status << " " << r.body);
  auto const page = r.json();
  int n = 0;
  for (auto const& item : page.at("items").as_array())
    if (item.at("name") == name.c_str()) ++n;
  return n;
}

std::int64_t total(api_server const& server) {
  auto const r = server.call("GET", collection);
  REQUIRE_MESSAGE(r.status == 200, "list -> " << r.status << " " << r.body);
  return r.json().at("total").as_int64();
}

// A 422 naming the Idempotency-Key header.
void check_key_refused(http_response const& r) {
  INFO("answer: " << r.status << " " << r.body);
  CHECK(r.status == 422);
  if (r.status != 422) return;
  auto const error = r.json().at("error");
  CHECK(error.at("code") == "validation_failed");
  auto const& details = error.at("details").as_array();
  REQUIRE(details.size() == 1);
  CHECK(details[0].at("field") == "Idempotency-Key");
  CHECK_FALSE(replayed(r));
}

bool still_processing(http_response const& r) {
  return r.status == 409 && r.body.find("still being processed") != std::string::npos;
}

json::object metrics_database(api_server const& server) {
  auto const r = server.call("GET", "/api/performance/metrics");
  REQUIRE_MESSAGE(r.status == 200, "metrics -> " << r.status << " " << r.body);
  return r.json().at("database").as_object();
}

}  // namespace

TEST_SUITE("idempotency api") {
  TEST_CASE("POST: a repeat with the key replays the answer and creates nothing") {
    on_each_backend([](api_server const& server) {
      auto const body = machine("ws-a");
      auto const first = server.call("POST", collection, body, with_key("post-1"));
      REQUIRE_MESSAGE(first.status == 201, first.body);
      CHECK_FALSE(first.has_header("Idempotent-Replayed"));

      auto const again = server.call("POST", collection, body, with_key("post-1"));
      CHECK(again.status == 201);
      CHECK(replayed(again));
      CHECK(again.body == first.body);
      CHECK(again.header("Location") == first.header("Location"));
      CHECK(again.header("ETag") == first.header("ETag"));
      CHECK(again.header("Content-Type").starts_with("application/json"));
      CHECK(count_named(server, "ws-a") == 1);
      CHECK(total(server) == 1);

      SUBCASE("the stored answer, whatever happened since") {
        auto const location = first.header("Location");
        REQUIRE(server.call("PATCH", location, R"({"port":22})").status == 200);
        auto const later = server.call("POST", collection, body, with_key("post-1"));
        CHECK(later.status == 201);
        CHECK(replayed(later));
        CHECK(later.body == first.body);
        CHECK(server.call("GET", location).json().at("port") == 22);
      }
      SUBCASE("a replay invalidates no cached read; a real write does") {
        auto const list = std::string(collection) + "?limit=10";
        server.call("GET", list);
        REQUIRE(server.call("GET", list).header("X-Cache") == "HIT");
        CHECK(replayed(server.call("POST", collection, body, with_key("post-1"))));
        CHECK(server.call("GET", list).header("X-Cache") == "HIT");
        REQUIRE(server.call("POST", collection, machine("ws-b"), with_key("post-2")).status == 201);
        auto const after = server.call("GET", list);
        CHECK(after.header("X-Cache") == "MISS");
        CHECK(after.json().at("total") == 2);
      }
    });
  }

  TEST_CASE("PATCH: a repeat with the key replays the answer and applies nothing") {
    on_each_backend([](api_server const& server) {
      auto const created = server.call("POST", collection, machine("ws-a"));
      REQUIRE(created.status == 201);
      auto const path = created.header("Location");

      auto const first = server.call("PATCH", path, R"({"port":22})", with_key("patch-1"));
      REQUIRE_MESSAGE(first.status == 200, first.body);
      CHECK_FALSE(first.has_header("Idempotent-Replayed"));
      CHECK(first.json().at("version") == 2);
      // A change by someone else, without a key, between the attempts.
      auto const other = server.call("PATCH", path, R"({"port":23})");
      REQUIRE(other.status == 200);
      CHECK(other.json().at("version") == 3);

      auto const again = server.call("PATCH", path, R"({"port":22})", with_key("patch-1"));
      CHECK(again.status == 200);
      CHECK(replayed(again));
      CHECK(again.body == first.body);
      CHECK(again.header("ETag") == first.header("ETag"));
      auto const stored = server.call("GET", path).json();
      CHECK(stored.at("port") == 23);
      CHECK(stored.at("version") == 3);
    });
  }

  TEST_CASE("DELETE: a repeat with the key replays 204, not 404") {
    on_each_backend([](api_server const& server) {
      auto const created = server.call("POST", collection, machine("ws-a"));
      REQUIRE(created.status == 201);
      auto const path = created.header("Location");

      auto const first = server.call("DELETE", path, {}, with_key("delete-1"));
      CHECK(first.status == 204);
      CHECK_FALSE(first.has_header("Idempotent-Replayed"));
      auto const again = server.call("DELETE", path, {}, with_key("delete-1"));
      CHECK(again.status == 204);
      CHECK(replayed(again));
      CHECK(again.body.empty());
      CHECK(server.call("GET", path).status == 404);
      // Without a key the same DELETE is answered for what it is now.
      CHECK(server.call("DELETE", path).status == 404);
    });
  }

  TEST_CASE("the same key for another request is 422 and applies nothing") {
    on_each_backend([](api_server const& server) {
      auto const first = server.call("POST", collection, machine("ws-a"), with_key("k"));
      REQUIRE(first.status == 201);
      auto const path = first.header("Location");

      SUBCASE("POST with another body") {
        check_key_refused(server.call("POST", collection, machine("ws-b"), with_key("k")));
        CHECK(count_named(server, "ws-b") == 0);
      }
      SUBCASE("PATCH") {
        check_key_refused(server.call("PATCH", path, R"({"port":22})", with_key("k")));
        CHECK(server.call("GET", path).json().at("port") == 5985);
      }
      SUBCASE("DELETE") {
        check_key_refused(server.call("DELETE", path, {}, with_key("k")));
        CHECK(server.call("GET", path).status == 200);
      }
      CHECK(total(server) == 1);
      // The key still answers its own request.
      CHECK(replayed(server.call("POST", collection, machine("ws-a"), with_key("k"))));
    });
  }

  TEST_CASE("a malformed key is 422 and applies nothing") {
    on_each_backend([](api_server const& server) {
      auto const created = server.call("POST", collection, machine("ws-a"));
      REQUIRE(created.status == 201);
      auto const path = created.header("Location");

      std::map<std::string, std::string> const bad{
          {"129 bytes", std::string(129, 'k')},
          {"a tab", "a\tb"},
          {"a byte above 0x7e", "caf\xc3\xa9"},
      };
      for (auto const& [what, key] : bad) {
        CAPTURE(what);
        check_key_refused(server.call("POST", collection, machine("ws-b"), with_key(key)));
        check_key_refused(server.call("PATCH", path, R"({"port":22})", with_key(key)));
        check_key_refused(server.call("DELETE", path, {}, with_key(key)));
      }
      // Control bytes other than HTAB make a field value invalid HTTP (RFC
      // 9110, 5.5): the request is malformed, 400, before any handler reads
      // the key.
      for (auto const* key : {"a\x01z", "a\x7fz"}) {
        auto const r = server.call("POST", collection, machine("ws-b"), with_key(key));
        INFO("answer: " << r.status << " " << r.body);
        CHECK(r.status == 400);
        CHECK(r.error_code() == "bad_request");
      }
      auto const stored = server.call("GET", path);
      CHECK(stored.status == 200);
      CHECK(stored.json().at("port") == 5985);
      CHECK(total(server) == 1);

      // 128 printable characters is the longest key.
      auto const longest = std::string(127, '~') + "!";
      auto const ok = server.call("POST", collection, machine("ws-b"), with_key(longest));
      CHECK(ok.status == 201);
      CHECK(replayed(server.call("POST", collection, machine("ws-b"), with_key(longest))));
    });
  }

  TEST_CASE("one key from two users makes two writes, each replayed to its own user") {
    on_each_backend([](api_server const& server) {
      auto const op = server.add_user("op", "operator");
      auto const by_admin =
          server.call("POST", collection, machine("ws-admin"), with_key("shared"));
      auto const by_op =
          server.call_as(op, "POST", collection, machine("ws-op"), with_key("shared"));
      CHECK(by_admin.status == 201);
      CHECK(by_op.status == 201);
      CHECK_FALSE(replayed(by_admin));
      CHECK_FALSE(replayed(by_op));
      CHECK(count_named(server, "ws-admin") == 1);
      CHECK(count_named(server, "ws-op") == 1);
      // Each user's key replays that user's answer.
      auto const op_again =
          server.call_as(op, "POST", collection, machine("ws-op"), with_key("shared"));
      CHECK(replayed(op_again));
      CHECK(op_again.body == by_op.body);
      auto const admin_again =
          server.call("POST", collection, machine("ws-admin"), with_key("shared"));
      CHECK(replayed(admin_again));
      CHECK(admin_again.body == by_admin.body);
      CHECK(total(server) == 2);
    });
  }

  TEST_CASE("8 clients sending one POST with one key create one workstation") {
    on_each_backend([](api_server const& server) {
      constexpr int clients = 8;
      auto const body = machine("ws-race");
      std::vector<http_client> connections;
      for (int i = 0; i < clients; ++i) connections.emplace_back(server.port());
      std::vector<http_response> answers(clients);
      std::vector<std::string> failures(clients);
      std::latch start(clients);
      std::vector<std::thread> threads;
      for (int i = 0; i < clients; ++i)
        threads.emplace_back([&, i] {
          start.arrive_and_wait();
          try {
            answers[i] = connections[i].request(
                "POST", collection, body,
                {{"Idempotency-Key", "race"}, wsd::test::bearer(server.admin())});
          } catch (std::exception const& e) {
            failures[i] = e.what();
          }
        });
      for (auto& t : threads) t.join();

      int fresh = 0;
      std::set<std::string> bodies;
      for (int i = 0; i < clients; ++i) {
        INFO("client " << i << ": " << failures[i] << answers[i].status << " " << answers[i].body);
        CHECK(failures[i].empty());
        if (still_processing(answers[i])) continue;
        CHECK(answers[i].status == 201);
        if (answers[i].status != 201) continue;
        if (!replayed(answers[i])) ++fresh;
        bodies.insert(answers[i].body);
      }
      CHECK(fresh == 1);
      CHECK(bodies.size() == 1);
      CHECK_MESSAGE(count_named(server, "ws-race") == 1, server.diagnostics());
      CHECK(total(server) == 1);
    });
  }

  TEST_CASE("a repeat while the first attempt still runs is 409") {
    on_each_backend([](api_server const& server) {
      auto const body = machine("ws-slow");
      auto const before = metrics_database(server).at("queries").to_number<std::int64_t>();

      // Hold the database so the first attempt waits inside its transaction.
      auto blocker = server.open_session();
      if (server.is_pg()) {
        blocker << "BEGIN";
        blocker << "LOCK TABLE idempotency_keys IN ACCESS EXCLUSIVE MODE";
      } else {
        blocker << "BEGIN IMMEDIATE";
      }
      std::optional<http_response> first;
      std::string first_failure;
      std::thread runner([&] {
        try {
          first = server.call("POST", collection, body, with_key("slow"));
        } catch (std::exception const& e) {
          first_failure = e.what();
        }
      });
      // The attempt holds its key before it sends its first statement.
      bool const waiting = eventually(
          [&] {
            auto const figures = metrics_database(server);
            return figures.at("in_use").to_number<std::int64_t>() > 0 &&
                   figures.at("queries").to_number<std::int64_t>() > before;
          },
          30s, 5ms);
      CHECK(waiting);
      auto const repeat = server.call("POST", collection, body, with_key("slow"));
      blocker << "ROLLBACK";
      runner.join();

      INFO("repeat: " << repeat.status << " " << repeat.body);
      CHECK(still_processing(repeat));
      CHECK(repeat.error_code() == "conflict");
      CHECK(first_failure.empty());
      REQUIRE(first.has_value());
      CHECK(first->status == 201);
      CHECK_FALSE(replayed(*first));
      auto const after = server.call("POST", collection, body, with_key("slow"));
      CHECK(after.status == 201);
      CHECK(replayed(after));
      CHECK(count_named(server, "ws-slow") == 1);
    });
  }
}

// Freezes the shared PostgreSQL test cluster: ctest runs the "outage" suite
// alone (test/CMakeLists.txt).
TEST_SUITE("outage") {
  TEST_CASE("a write against a frozen PostgreSQL answers 504 and its retry makes one workstation") {
    auto const cluster = wsd::test::pg_cluster::from_env();
    auto const store = scratch_store::postgresql();
    api_server const server(
        store, {"--set", "db.query_timeout_ms=1000", "--set", "breaker.open_seconds=1"});
    auto const body = machine("ws-frozen");
    auto const key = with_key("frozen-1");
    auto const list = std::string(collection) + "?limit=1000";
    // Connections and token are ready before the freeze; the list that
    // count_named reads is cached, as a client's dashboard would have it.
    REQUIRE(server.call("GET", "/ready").status == 200);
    server.call("GET", list);
    REQUIRE(server.call("GET", list).header("X-Cache") == "HIT");
    // Opened now: during the freeze no new connection can be made.
    auto observer = server.open_session();

    std::optional<wsd::test::frozen_cluster> frozen(std::in_place, cluster);
    REQUIRE(frozen->postmaster_stopped());
    REQUIRE(frozen->children_stopped() > 0);
    auto const started = std::chrono::steady_clock::now();
    auto const timed_out = server.call("POST", collection, body, key);
    auto const took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    INFO("frozen POST: " << timed_out.status << " " << timed_out.body << " after " << took.count()
                         << " ms");
    CHECK(timed_out.status == 504);
    CHECK(timed_out.error_code() == "timeout");
    // Not before the query timeout; how long after is a figure, not a claim
    // (a 504 that never came fails the call at the client's read timeout).
    CHECK(took >= 1000ms);

    SUBCASE("the first attempt commits after the client gave up") {
      // Backends run on while the postmaster, which would deliver wsd's
      // cancel request, stays frozen: the abandoned statement completes.
      frozen->resume_children();
      bool const committed = eventually(
          [&] {
            long long n = 0;
            observer << "SELECT COUNT(*) FROM workstations WHERE name = 'ws-frozen'", soci::into(n);
            return n == 1;
          },
          30s, 20ms);
      CHECK_MESSAGE(committed, server.diagnostics());
    }
    SUBCASE("everything resumes at once") {}
    frozen.reset();

    // The server recovers once the database answers again.
    bool const ready =
        eventually([&] { return server.call("GET", "/ready").status == 200; }, 30s, 100ms);
    CHECK_MESSAGE(ready, server.diagnostics());

    http_response retried;
    int attempts = 0;
    eventually(
        [&] {
          retried = server.call("POST", collection, body, key);
          ++attempts;
          return retried.status != 503 && retried.status != 504 && !still_processing(retried);
        },
        30s, 100ms);
    INFO("retry: " << retried.status << " " << retried.body << " after " << attempts
                   << " attempts, replayed: " << replayed(retried));
    CHECK(retried.status == 201);
    long long rows = 0;
    observer << "SELECT COUNT(*) FROM workstations WHERE name = 'ws-frozen'", soci::into(rows);
    CHECK(rows == 1);
    // Read-your-writes: the 201 means the list shows it, also when the
    // answer was a replay of the abandoned attempt's commit.
    auto const listed = server.call("GET", list);
    INFO("list after the retry: X-Cache " << listed.header("X-Cache") << " " << listed.body);
    CHECK(count_named(server, "ws-frozen") == 1);
    // Whichever attempt applied it, the key now replays that one answer.
    auto const replay = server.call("POST", collection, body, key);
    CHECK(replay.status == 201);
    CHECK(replayed(replay));
    if (replay.status == 201 && retried.status == 201)
      CHECK(replay.json().at("id") == retried.json().at("id"));
  }
}
