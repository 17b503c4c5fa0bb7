// Idempotency-Key bookkeeping, driven through the workstation repository the
// way the HTTP handlers drive it, against a temporary SQLite file and a
// scratch PostgreSQL database (WSD_TEST_PG). The clock is injected, so the
// 24 h retention is tested without waiting.
#include "wsd/idempotency/store.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include <soci/soci.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include "wsd/util/clock.hpp"

#include "support/await.hpp"
#include "support/scratch_store.hpp"
#include "wsd/db/database.hpp"
#include "wsd/metrics/registry.hpp"
#include "wsd/workstations/repository.hpp"

namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace db = wsd::db;
namespace idem = wsd::idempotency;
namespace ws = wsd::workstations;
namespace core = wsd::core;
using wsd::test::await;
using wsd::test::eventually;
using wsd::test::on_each_backend;
using wsd::test::scratch_store;

constexpr std::string_view collection = "/api/workstations";

std::chrono::system_clock::time_point const start_time =
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 24} + 4h + 30min;

// One wsd instance's view of the store: its database pool, its repository
// and the clock the test moves by hand.
struct instance {
  explicit instance(std::string const& url, unsigned pool_size = 2)
      : database(wsd::config::db_settings{url, pool_size, 5000ms}, wsd::config::breaker_settings{},
                 metrics),
        repo(database, clock) {
    auto const opened = database.open();
    REQUIRE_MESSAGE(opened.has_value(), "open " << url << ": " << opened.error());
  }

  wsd::util::fake_clock clock{start_time};
  wsd::metrics::registry metrics;
  db::database database;
  ws::repository repo;
};

using created = core::result<ws::write_result<ws::workstation>>;
using removed = core::result<ws::write_result<ws::nothing>>;

ws::new_workstation machine(std::string name, std::uint16_t port = 5985) {
  return ws::new_workstation{std::move(name), "10.0.0.1", port, ws::status::offline, "", {}};
}

// The JSON a client would have sent for machine(name, port): only its hash
// matters to the store.
std::string body_of(std::string const& name, std::uint16_t port = 5985) {
  return R"({"name":")" + name + R"(","host":"10.0.0.1","port":)" + std::to_string(port) + "}";
}

// An Idempotency-Key with the answer the API would store for its write.
ws::key keyed(idem::request r) {
  auto const method = r.method;
  return ws::idempotent{
      std::move(r), [method](ws::workstation const* w) {
        if (!w) return idem::answer{204, {}, {}};
        if (method == "POST")
          return idem::answer{201, ws::to_json(*w), "/api/workstations/" + std::to_string(w->id)};
        return idem::answer{200, ws::to_json(*w), {}};
      }};
}

ws::key post_key(std::string const& user, std::string const& key, std::string const& body) {
  return keyed(idem::make_request(user, key, "POST", collection, body));
}

std::string item_path(std::int64_t id) {
  return std::string(collection) + "/" + std::to_string(id);
}

ws::workstation_patch port_patch(std::uint16_t port) {
  ws::workstation_patch p;
  p.port = port;
  return p;
}

template <class T>
std::string_view code_of(core::result<T> const& r) {
  return r.has_error() ? core::to_string(r.error().code) : "ok";
}

long long count_rows(scratch_store const& store, std::string const& table) {
  auto sql = store.open_session();
  long long n = -1;
  sql << "SELECT COUNT(*) FROM " + table, soci::into(n);
  return n;
}

std::set<std::string> stored_keys(scratch_store const& store) {
  auto sql = store.open_session();
  soci::rowset<std::string> rows = (sql.prepare << "SELECT idem_key FROM idempotency_keys");
  return {rows.begin(), rows.end()};
}

// Fresh (not replayed) creation, or a failed test case.
ws::workstation fresh(created const& r) {
  REQUIRE_MESSAGE(r.has_value(),
                  "create failed: " << core::to_string(r.error().code) << " " << r.error().message);
  REQUIRE_FALSE(r->replayed.has_value());
  return r->value;
}

}  // namespace

TEST_SUITE("idempotency store") {
  TEST_CASE("is_valid_key: 1-128 printable ASCII characters") {
    CHECK_FALSE(idem::is_valid_key(""));
    CHECK(idem::is_valid_key("k"));
    CHECK(idem::is_valid_key(std::string(128, 'k')));
    CHECK_FALSE(idem::is_valid_key(std::string(129, 'k')));
    CHECK(idem::is_valid_key("a b~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"));
    CHECK(idem::is_valid_key("550e8400-e29b-41d4-a716-446655440000"));
    CHECK_FALSE(idem::is_valid_key(std::string("a\0b", 3)));
    CHECK_FALSE(idem::is_valid_key("a\x01"));
    CHECK_FALSE(idem::is_valid_key("a\tb"));
    CHECK_FALSE(idem::is_valid_key("line\n"));
    CHECK_FALSE(idem::is_valid_key("del\x7f"));
    CHECK_FALSE(idem::is_valid_key("caf\xc3\xa9"));
    CHECK_FALSE(idem::is_valid_key("\xff"));
    CHECK_FALSE(idem::is_valid_key(std::string(127, 'k') + "\xe2\x82\xac"));
  }

  TEST_CASE("make_request hashes the body") {
    auto const a = idem::make_request("alice", "k", "POST", collection, body_of("ws-a"));
    auto const again = idem::make_request("alice", "k", "POST", collection, body_of("ws-a"));
    auto const other = idem::make_request("alice", "k", "POST", collection, body_of("ws-b"));
    CHECK(a.body_hash.size() == 64);
    CHECK(a.body_hash.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(a.body_hash == again.body_hash);
    CHECK(a.body_hash != other.body_hash);
    // SHA-256 of the empty body (DELETE has none).
    CHECK(idem::make_request("alice", "k", "DELETE", "/x", "").body_hash ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(a.user == "alice");
    CHECK(a.key == "k");
    CHECK(a.method == "POST");
    CHECK(a.path == collection);
  }

  TEST_CASE("a repeated create replays the first answer and writes nothing") {
    on_each_backend([](scratch_store const& store) {
      instance node(store.url());
      auto const key = post_key("alice", "create-1", body_of("ws-a"));
      auto const first = fresh(await(node.repo.create(machine("ws-a"), key)));

      auto const again = await(node.repo.create(machine("ws-a"), key));
      REQUIRE(again.has_value());
      REQUIRE(again->replayed.has_value());
      CHECK(again->replayed->status == 201);
      CHECK(again->replayed->body == ws::to_json(first));
      CHECK(again->replayed->location == item_path(first.id));
      CHECK(count_rows(store, "workstations") == 1);
      CHECK(count_rows(store, "idempotency_keys") == 1);

      SUBCASE("the stored answer, not the current state") {
        CHECK(await(node.repo.patch(first.id, port_patch(22))).has_value());
        auto const later = await(node.repo.create(machine("ws-a"), key));
        REQUIRE(later.has_value());
        REQUIRE(later->replayed.has_value());
        CHECK(later->replayed->body == ws::to_json(first));
      }
      SUBCASE("a repeat reaching another instance") {
        instance other(store.url());
        auto const elsewhere = await(other.repo.create(machine("ws-a"), key));
        REQUIRE(elsewhere.has_value());
        REQUIRE(elsewhere->replayed.has_value());
        CHECK(elsewhere->replayed->body == ws::to_json(first));
        CHECK(count_rows(store, "workstations") == 1);
      }
    });
  }

  TEST_CASE("a key used for another request answers 422 and applies nothing") {
    on_each_backend([](scratch_store const& store) {
      instance node(store.url());
      auto const first =
          fresh(await(node.repo.create(machine("ws-a"), post_key("alice", "k", body_of("ws-a")))));

      auto check_refused = [&](auto const& r) {
        REQUIRE(r.has_error());
        CHECK(r.error().code == core::errc::validation_failed);
        CHECK(r.error().code == core::errc::validation_failed);
        REQUIRE(r.error().details.size() == 1);
        CHECK(r.error().details[0].field == "Idempotency-Key");
      };
      SUBCASE("another body") {
        check_refused(
            await(node.repo.create(machine("ws-b"), post_key("alice", "k", body_of("ws-b")))));
        CHECK(count_rows(store, "workstations") == 1);
      }
      SUBCASE("another method and path") {
        auto const path = item_path(first.id);
        check_refused(await(node.repo.remove(
            first.id, keyed(idem::make_request("alice", "k", "DELETE", path, "")))));
        CHECK(await(node.repo.get(first.id)).has_value());
      }
      SUBCASE("another path, same method and body") {
        auto const body = body_of("ws-a");
        check_refused(await(node.repo.create(
            machine("ws-a"), keyed(idem::make_request("alice", "k", "POST", "/api/other", body)))));
      }
      CHECK(count_rows(store, "idempotency_keys") == 1);
    });
  }

  TEST_CASE("keys are per user") {
    on_each_backend([](scratch_store const& store) {
      instance node(store.url());
      auto const alice =
          fresh(await(node.repo.create(machine("ws-a"), post_key("alice", "k", body_of("ws-a")))));
      // Bob's "k" is his own: another body is no 422, and it applies.
      auto const bob =
          fresh(await(node.repo.create(machine("ws-b"), post_key("bob", "k", body_of("ws-b")))));
      CHECK(bob.id != alice.id);
      // Carol sending alice's exact request is not handed alice's answer: her
      // write runs, and the name is taken.
      auto const carol =
          await(node.repo.create(machine("ws-a"), post_key("carol", "k", body_of("ws-a"))));
      CHECK(code_of(carol) == "conflict");
      CHECK(count_rows(store, "workstations") == 2);
      // Carol's failed write stored no key.
      CHECK(count_rows(store, "idempotency_keys") == 2);
    });
  }

  TEST_CASE("patch and remove replay their stored answers") {
    on_each_backend([](scratch_store const& store) {
      instance node(store.url());
      auto const w = fresh(await(node.repo.create(machine("ws-a"))));
      auto const path = item_path(w.id);
      auto const patch_key =
          keyed(idem::make_request("alice", "p", "PATCH", path, R"({"port":22})"));

      auto const patched = await(node.repo.patch(w.id, port_patch(22), {}, patch_key));
      REQUIRE(patched.has_value());
      CHECK_FALSE(patched->replayed.has_value());
      CHECK(patched->value.version == 2);
      // Someone else changes it again, without a key.
      auto const third = await(node.repo.patch(w.id, port_patch(23)));
      REQUIRE(third.has_value());
      CHECK(third->value.version == 3);

      auto const again = await(node.repo.patch(w.id, port_patch(22), {}, patch_key));
      REQUIRE(again.has_value());
      REQUIRE(again->replayed.has_value());
      CHECK(again->replayed->status == 200);
      CHECK(again->replayed->body == ws::to_json(patched->value));
      CHECK(again->replayed->location.empty());
      auto const now = await(node.repo.get(w.id));
      REQUIRE(now.has_value());
      CHECK(now->port == 23);
      CHECK(now->version == 3);

      auto const remove_key = keyed(idem::make_request("alice", "d", "DELETE", path, ""));
      auto const gone = await(node.repo.remove(w.id, remove_key));
      REQUIRE(gone.has_value());
      CHECK_FALSE(gone->replayed.has_value());
      auto const gone_again = await(node.repo.remove(w.id, remove_key));
      REQUIRE(gone_again.has_value());
      REQUIRE(gone_again->replayed.has_value());
      CHECK(gone_again->replayed->status == 204);
      CHECK(gone_again->replayed->body.empty());
      CHECK(gone_again->replayed->location.empty());
      // Without the key the same DELETE is a 404.
      CHECK(code_of(await(node.repo.remove(w.id))) == "not_found");
    });
  }

  TEST_CASE("a failed write stores no key, so a corrected retry applies") {
    on_each_backend([](scratch_store const& store) {
      instance node(store.url());
      fresh(await(node.repo.create(machine("ws-a"))));
      auto const key = post_key("alice", "k", body_of("ws-a", 1));
      CHECK(code_of(await(node.repo.create(machine("ws-a", 1), key))) == "conflict");
      CHECK(count_rows(store, "idempotency_keys") == 0);
      auto const removed_patch = await(node.repo.patch(
          424242, port_patch(1), {},
          keyed(idem::make_request("alice", "p", "PATCH", item_path(424242), R"({"port":1})"))));
      CHECK(code_of(removed_patch) == "not_found");
      CHECK(count_rows(store, "idempotency_keys") == 0);
    });
  }

  TEST_CASE("a key is kept 24 hours, then forgotten and the write applies again") {
    on_each_backend([](scratch_store const& store) {
      instance node(store.url());
      auto const key = post_key("alice", "k", body_of("ws-a"));
      auto const first = fresh(await(node.repo.create(machine("ws-a"), key)));
      CHECK(await(node.repo.remove(first.id)).has_value());

      node.clock.set(start_time + 24h - 1s);
      auto const kept = await(node.repo.create(machine("ws-a"), key));
      REQUIRE(kept.has_value());
      REQUIRE(kept->replayed.has_value());
      CHECK(kept->replayed->body == ws::to_json(first));
      CHECK(count_rows(store, "workstations") == 0);

      node.clock.set(start_time + 24h + 1s);
      auto const second = fresh(await(node.repo.create(machine("ws-a"), key)));
      CHECK(second.id != first.id);
      CHECK(count_rows(store, "workstations") == 1);
      CHECK(count_rows(store, "idempotency_keys") == 1);

      // The key now remembers the new answer.
      auto const replay = await(node.repo.create(machine("ws-a"), key));
      REQUIRE(replay.has_value());
      REQUIRE(replay->replayed.has_value());
      CHECK(replay->replayed->body == ws::to_json(second));

      SUBCASE("an expired key may be reused for another request") {
        node.clock.set(start_time + 48h + 2s);
        auto const other = post_key("alice", "k", body_of("ws-b"));
        fresh(await(node.repo.create(machine("ws-b"), other)));
        CHECK(count_rows(store, "workstations") == 2);
      }
    });
  }

  TEST_CASE("sweep_keys removes only keys older than 24 hours") {
    on_each_backend([](scratch_store const& store) {
      instance node(store.url());
      fresh(await(node.repo.create(machine("ws-a"), post_key("alice", "old", body_of("ws-a")))));
      node.clock.set(start_time + 2h);
      fresh(await(node.repo.create(machine("ws-b"), post_key("alice", "new", body_of("ws-b")))));

      auto sweep = [&](std::chrono::system_clock::time_point at) {
        node.clock.set(at);
        auto const swept = await(node.repo.sweep_keys());
        REQUIRE_MESSAGE(swept.has_value(), swept.error().message);
        return *swept;
      };
      CHECK(sweep(start_time + 24h - 1s) == 0);
      CHECK(stored_keys(store) == std::set<std::string>{"old", "new"});
      CHECK(sweep(start_time + 24h + 1s) == 1);
      CHECK(stored_keys(store) == std::set<std::string>{"new"});
      CHECK(sweep(start_time + 24h + 2s) == 0);
      CHECK(sweep(start_time + 26h + 1s) == 1);
      CHECK(stored_keys(store).empty());
      // Sweeping removes keys, never workstations.
      CHECK(count_rows(store, "workstations") == 2);
    });
  }

  TEST_CASE("a repeat while the first attempt still runs answers 409") {
    on_each_backend([](scratch_store const& store) {
      instance node(store.url());
      auto const key = post_key("alice", "k", body_of("ws-a"));

      // Hold the database so the first attempt waits inside its transaction.
      auto blocker = store.open_session();
      if (store.is_pg()) {
        blocker << "BEGIN";
        blocker << "LOCK TABLE idempotency_keys IN ACCESS EXCLUSIVE MODE";
      } else {
        blocker << "BEGIN IMMEDIATE";
      }

      auto const before = node.metrics.database.queries.load();
      // Never destroyed: the pool may still be posting to it (see
      // wsd::test::await()).
      static asio::io_context io;
      io.restart();
      std::optional<created> first;
      asio::co_spawn(io, node.repo.create(machine("ws-a"), key),
                     [&](std::exception_ptr e, created r) {
                       if (!e) first.emplace(std::move(r));
                     });
      std::thread runner([] { io.run(); });
      // The attempt holds its key before it sends its first statement.
      bool const started =
          eventually([&] { return node.metrics.database.queries.load() > before; }, 10s, 1ms);
      CHECK(started);

      auto const repeat = await(node.repo.create(machine("ws-a"), key));
      blocker << "ROLLBACK";
      runner.join();
      CHECK(code_of(repeat) == "conflict");
      if (repeat.has_error()) {
        CHECK(repeat.error().code == core::errc::conflict);
        CHECK(repeat.error().message.find("still being processed") != std::string::npos);
      }
      REQUIRE(first.has_value());
      fresh(*first);

      auto const after = await(node.repo.create(machine("ws-a"), key));
      REQUIRE(after.has_value());
      CHECK(after->replayed.has_value());
      CHECK(count_rows(store, "workstations") == 1);
    });
  }

  TEST_CASE("concurrent attempts with one key on two instances create one workstation") {
    on_each_backend([](scratch_store const& store) {
      instance a(store.url(), 4);
      instance b(store.url(), 4);
      auto const key = post_key("alice", "k", body_of("ws-a"));

      // Never destroyed: the pool may still be posting to it (see
      // wsd::test::await()).
      static asio::io_context io;
      io.restart();
      std::vector<std::optional<created>> answers(8);
      for (std::size_t i = 0; i < answers.size(); ++i) {
        auto& node = i % 2 == 0 ? a : b;
        asio::co_spawn(io, node.repo.create(machine("ws-a"), key),
                       [&answers, i](std::exception_ptr e, created r) {
                         if (e) std::rethrow_exception(e);
                         answers[i].emplace(std::move(r));
                       });
      }
      io.run();

      int fresh_count = 0;
      std::set<std::string> bodies;
      for (auto const& answer : answers) {
        REQUIRE(answer.has_value());
        if (answer->has_error()) {
          // Only a repeat on the instance where the first attempt still runs.
          CHECK(answer->error().code == core::errc::conflict);
          CHECK(answer->error().message.find("still being processed") != std::string::npos);
          continue;
        }
        if ((*answer)->replayed) {
          CHECK((*answer)->replayed->status == 201);
          bodies.insert((*answer)->replayed->body);
        } else {
          ++fresh_count;
          bodies.insert(ws::to_json((*answer)->value));
        }
      }
      CHECK(fresh_count == 1);
      CHECK(bodies.size() == 1);
      CHECK(count_rows(store, "workstations") == 1);
      CHECK(count_rows(store, "idempotency_keys") == 1);
    });
  }
}
