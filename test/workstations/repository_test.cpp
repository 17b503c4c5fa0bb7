// The workstation repository against a temporary SQLite file and a real
// PostgreSQL database (WSD_TEST_PG, exported by scripts/test), driven through
// its coroutine API the way the HTTP handlers drive it.
#include "wsd/workstations/repository.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <soci/soci.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "support/await.hpp"
#include "support/process.hpp"
#include "support/scratch_store.hpp"
#include "wsd/db/database.hpp"
#include "wsd/db/migrations.hpp"
#include "wsd/metrics/registry.hpp"

namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace db = wsd::db;
namespace ws = wsd::workstations;
namespace core = wsd::core;
using wsd::test::await;
using wsd::test::on_each_backend;
using wsd::test::scratch_store;

// A write's result as a plain one: these tests use no Idempotency-Key, so
// nothing is ever replayed.
template <class T>
core::result<T> written(core::result<ws::write_result<T>> r) {
  if (r.has_error()) return r.error();
  CHECK_FALSE(r->replayed.has_value());
  return std::move(r->value);
}

// Writes drive to completion like reads and answer their plain result.
template <class T>
core::result<T> await(asio::awaitable<core::result<ws::write_result<T>>> op) {
  return written(wsd::test::await(std::move(op)));
}

// An opened database with a repository on it.
struct fixture {
  explicit fixture(std::string const& url, unsigned pool_size = 2)
      : database(wsd::config::db_settings{url, pool_size, 5000ms}, wsd::config::breaker_settings{},
                 metrics),
        repo(database, clock) {
    auto const opened = database.open();
    REQUIRE_MESSAGE(opened.has_value(), "open " << url << ": " << opened.error());
  }

  ws::workstation create(std::string name, ws::status state = ws::status::offline,
                         std::vector<std::string> tags = {}) {
    auto const w = await(repo.create(
        ws::new_workstation{std::move(name), "10.0.0.1", 5985, state, "", std::move(tags)}));
    REQUIRE_MESSAGE(w.has_value(), "create failed: " << w.error().message);
    return *w;
  }

  wsd::metrics::registry metrics;
  wsd::util::fake_clock clock;
  db::database database;
  ws::repository repo;
};

// Designated initializers would trip GCC 12's -Wmissing-field-initializers,
// so queries and patches are built by these helpers.
ws::list_query query(std::optional<ws::status> state = {}, std::optional<std::string> tag = {},
                     unsigned limit = ws::default_list_limit, std::uint64_t offset = 0) {
  ws::list_query q;
  q.state = state;
  q.tag = std::move(tag);
  q.limit = limit;
  q.offset = offset;
  return q;
}

class patch_of {
 public:
  patch_of& name(std::string v) { return set(value_.name, std::move(v)); }
  patch_of& port(std::uint16_t v) { return set(value_.port, v); }
  patch_of& state(ws::status v) { return set(value_.state, v); }
  patch_of& description(std::string v) { return set(value_.description, std::move(v)); }
  patch_of& tags(std::vector<std::string> v) { return set(value_.tags, std::move(v)); }
  operator ws::workstation_patch() const { return value_; }

 private:
  template <class Field, class Value>
  patch_of& set(Field& field, Value v) {
    field = std::move(v);
    return *this;
  }
  ws::workstation_patch value_;
};

std::vector<std::int64_t> ids_of(ws::page const& p) {
  std::vector<std::int64_t> ids;
  for (auto const& w : p.items) ids.push_back(w.id);
  return ids;
}

ws::page list(fixture& f, ws::list_query q) {
  auto const p = await(f.repo.list(std::move(q)));
  REQUIRE_MESSAGE(p.has_value(), "list failed: " << p.error().message);
  return *p;
}

template <class T>
std::string_view code_of(core::result<T> const& r) {
  return r.has_error() ? core::to_string(r.error().code) : "ok";
}

// Forwards every query to the session's own logger (so database.queries still
// counts) and notes on which thread it ran.
class thread_recorder final : public soci::logger_impl {
 public:
  struct entry {
    std::thread::id thread;
    bool on_pool;
  };
  struct journal {
    std::mutex mutex;
    std::vector<entry> entries;
  };

  thread_recorder(soci::logger inner, journal& log) : inner_(std::move(inner)), log_(log) {}
  void start_query(std::string const& query) override {
    {
      std::lock_guard const lock(log_.mutex);
      log_.entries.push_back({std::this_thread::get_id(), db::blocking_pool::on_pool_thread()});
    }
    inner_.start_query(query);
  }

 private:
  logger_impl* do_clone() const override { return new thread_recorder(inner_, log_); }
  soci::logger inner_;
  journal& log_;
};

}  // namespace

TEST_SUITE("workstation repository") {
  TEST_CASE("create, get and remove") {
    on_each_backend([](scratch_store const& store) {
      fixture f(store.url());
      auto const created = await(f.repo.create(ws::new_workstation{"ws-001",
                                                                   "gpu-1.lab.example",
                                                                   5985,
                                                                   ws::status::online,
                                                                   "render node",
                                                                   {"gpu", "rack-3"}}));
      REQUIRE(created.has_value());
      CHECK(created->id > 0);
      CHECK(created->name == "ws-001");
      CHECK(created->host == "gpu-1.lab.example");
      CHECK(created->port == 5985);
      CHECK(created->state == ws::status::online);
      CHECK(created->description == "render node");
      CHECK(created->tags == std::vector<std::string>{"gpu", "rack-3"});
      CHECK(created->version == 1);
      CHECK(created->created_at == "2026-11-24T04:30:00Z");
      CHECK(created->updated_at == created->created_at);

      auto const fetched = await(f.repo.get(created->id));
      REQUIRE(fetched.has_value());
      CHECK(*fetched == *created);

      auto const second = f.create("ws-002");
      CHECK(second.id > created->id);

      CHECK(await(f.repo.remove(created->id)).has_value());
      auto const gone = await(f.repo.get(created->id));
      CHECK(code_of(gone) == "not_found");
      CHECK(gone.error().code == core::errc::not_found);
      CHECK(code_of(await(f.repo.remove(created->id))) == "not_found");
      CHECK(code_of(await(f.repo.patch(created->id, patch_of().port(22)))) == "not_found");
      CHECK(code_of(await(f.repo.get(987654321))) == "not_found");
      CHECK(await(f.repo.get(second.id)).has_value());

      SUBCASE("a removed workstation's tags do not match any more") {
        auto const p = list(f, query({}, "gpu"));
        CHECK(p.total == 0);
        CHECK(p.items.empty());
      }
      SUBCASE("a removed workstation's name can be used again") {
        auto const again = f.create("ws-001");
        CHECK(again.id != created->id);
      }
    });
  }

  TEST_CASE("list: total, filters, ordering and pagination") {
    on_each_backend([](scratch_store const& store) {
      fixture f(store.url());
      std::vector<std::int64_t> ids;
      ids.push_back(f.create("a-1", ws::status::online, {"gpu"}).id);
      ids.push_back(f.create("a-2", ws::status::offline, {"gpu", "rack-3"}).id);
      ids.push_back(f.create("a-3", ws::status::online, {"rack-3"}).id);
      ids.push_back(f.create("a-4", ws::status::maintenance, {}).id);
      ids.push_back(f.create("a-5", ws::status::online, {"gpu"}).id);
      REQUIRE(std::is_sorted(ids.begin(), ids.end()));

      auto const all = list(f, {});
      CHECK(all.total == 5);
      CHECK(ids_of(all) == ids);

      auto const online = list(f, query(ws::status::online));
      CHECK(online.total == 3);
      CHECK(ids_of(online) == std::vector{ids[0], ids[2], ids[4]});
      for (auto const& w : online.items) CHECK(w.state == ws::status::online);

      auto const errored = list(f, query(ws::status::error));
      CHECK(errored.total == 0);
      CHECK(errored.items.empty());

      auto const gpu = list(f, query({}, "gpu"));
      CHECK(gpu.total == 3);
      CHECK(ids_of(gpu) == std::vector{ids[0], ids[1], ids[4]});

      auto const online_gpu = list(f, query(ws::status::online, "gpu"));
      CHECK(online_gpu.total == 2);
      CHECK(ids_of(online_gpu) == std::vector{ids[0], ids[4]});

      CHECK(list(f, query({}, "GPU")).total == 0);
      CHECK(list(f, query({}, "nope")).total == 0);

      auto const first = list(f, query({}, {}, 1));
      CHECK(first.total == 5);
      CHECK(ids_of(first) == std::vector{ids[0]});

      auto const middle = list(f, query({}, {}, 2, 1));
      CHECK(middle.total == 5);
      CHECK(ids_of(middle) == std::vector{ids[1], ids[2]});

      auto const tail = list(f, query({}, {}, 1000, 4));
      CHECK(ids_of(tail) == std::vector{ids[4]});

      auto const past = list(f, query({}, {}, 10, 5));
      CHECK(past.total == 5);
      CHECK(past.items.empty());

      auto const far = list(f, query({}, {}, ws::default_list_limit, ws::max_list_offset));
      CHECK(far.total == 5);
      CHECK(far.items.empty());

      auto const filtered_past = list(f, query({}, "gpu", ws::default_list_limit, 3));
      CHECK(filtered_past.total == 3);
      CHECK(filtered_past.items.empty());

      CHECK(await(f.repo.get(ids[1]))->tags == std::vector<std::string>{"gpu", "rack-3"});
      CHECK(all.items[1].tags == std::vector<std::string>{"gpu", "rack-3"});
    });
  }

  TEST_CASE("patch: merge semantics, versions and preconditions") {
    on_each_backend([](scratch_store const& store) {
      fixture f(store.url());
      auto const original = f.create("p-1", ws::status::online, {"gpu", "rack-3"});
      f.clock.advance(90s);

      SUBCASE("only the given fields change, version + 1") {
        auto const patched = await(f.repo.patch(original.id, patch_of().description("moved")));
        REQUIRE(patched.has_value());
        auto expected = original;
        expected.description = "moved";
        expected.version = 2;
        expected.updated_at = "2026-11-24T04:31:30Z";
        CHECK(*patched == expected);
        CHECK(*await(f.repo.get(original.id)) == expected);

        f.clock.advance(1s);
        auto const again =
            await(f.repo.patch(original.id, patch_of().port(22).state(ws::status::error)));
        REQUIRE(again.has_value());
        CHECK(again->version == 3);
        CHECK(again->port == 22);
        CHECK(again->state == ws::status::error);
        CHECK(again->description == "moved");
        CHECK(again->created_at == original.created_at);
        CHECK(again->updated_at == "2026-11-24T04:31:31Z");
      }

      SUBCASE("a patch that changes nothing keeps the version") {
        auto const same =
            await(f.repo.patch(original.id, patch_of()
                                                .name("p-1")
                                                .port(original.port)
                                                .tags(std::vector<std::string>{"gpu", "rack-3"})));
        REQUIRE(same.has_value());
        CHECK(*same == original);
        auto const empty = await(f.repo.patch(original.id, patch_of()));
        REQUIRE(empty.has_value());
        CHECK(*empty == original);
        CHECK(*await(f.repo.get(original.id)) == original);
      }

      SUBCASE("tags are replaced, and the tag filter follows") {
        auto const patched =
            await(f.repo.patch(original.id, patch_of().tags(std::vector<std::string>{"cpu"})));
        REQUIRE(patched.has_value());
        CHECK(patched->tags == std::vector<std::string>{"cpu"});
        CHECK(patched->version == 2);
        CHECK(await(f.repo.get(original.id))->tags == std::vector<std::string>{"cpu"});
        CHECK(list(f, query({}, "gpu")).total == 0);
        CHECK(list(f, query({}, "rack-3")).total == 0);
        CHECK(ids_of(list(f, query({}, "cpu"))) == std::vector{original.id});

        auto const cleared =
            await(f.repo.patch(original.id, patch_of().tags(std::vector<std::string>{})));
        REQUIRE(cleared.has_value());
        CHECK(cleared->tags.empty());
        CHECK(list(f, query({}, "cpu")).total == 0);
      }

      SUBCASE("a false precondition answers 412 and changes nothing") {
        std::optional<ws::workstation> seen;
        auto const refused =
            await(f.repo.patch(original.id, patch_of().name("p-renamed").description("x"),
                               [&seen](ws::workstation const& current) {
                                 seen = current;
                                 return false;
                               }));
        CHECK(code_of(refused) == "precondition_failed");
        CHECK(refused.error().code == core::errc::precondition_failed);
        CHECK(seen == original);
        CHECK(*await(f.repo.get(original.id)) == original);
        CHECK(list(f, query({}, "gpu")).total == 1);

        auto const accepted = await(
            f.repo.patch(original.id, patch_of().description("x"),
                         [](ws::workstation const& current) { return current.version == 1; }));
        REQUIRE(accepted.has_value());
        CHECK(accepted->version == 2);
        CHECK(accepted->description == "x");
      }

      SUBCASE("a precondition on an absent workstation is 404") {
        auto const absent = await(f.repo.patch(original.id + 1000, patch_of().port(1),
                                               [](ws::workstation const&) { return true; }));
        CHECK(code_of(absent) == "not_found");
      }
    });
  }

  TEST_CASE("duplicate names are 409, on create and on rename") {
    on_each_backend([](scratch_store const& store) {
      fixture f(store.url());
      auto const first = f.create("dup", ws::status::online, {"gpu"});
      auto const other = f.create("other");

      auto const duplicate = await(
          f.repo.create(ws::new_workstation{"dup", "10.0.0.9", 22, ws::status::offline, "", {}}));
      CHECK(code_of(duplicate) == "conflict");
      CHECK(duplicate.error().code == core::errc::conflict);
      CHECK(list(f, {}).total == 2);

      auto const rename = await(f.repo.patch(other.id, patch_of().name("dup").port(1)));
      CHECK(code_of(rename) == "conflict");
      CHECK(*await(f.repo.get(other.id)) == other);
      CHECK(*await(f.repo.get(first.id)) == first);

      auto const free_name = await(f.repo.patch(first.id, patch_of().name("dup-2")));
      REQUIRE(free_name.has_value());
      CHECK(free_name->version == 2);
      auto const reused = await(f.repo.patch(other.id, patch_of().name("dup")));
      REQUIRE(reused.has_value());
      CHECK(reused->name == "dup");
    });
  }

  TEST_CASE("concurrent creates of one name: the UNIQUE constraint lets exactly one in") {
    on_each_backend([](scratch_store const& store) {
      constexpr int attempts = 8;
      fixture f(store.url(), 4);
      asio::io_context io;
      std::vector<std::string_view> statuses;
      for (int i = 0; i < attempts; ++i) {
        ws::new_workstation input{"same", "10.0.0." + std::to_string(i + 1), 22, ws::status::online,
                                  "",     {"t" + std::to_string(i)}};
        asio::co_spawn(
            io, f.repo.create(std::move(input)),
            [&statuses](std::exception_ptr e, core::result<ws::write_result<ws::workstation>> r) {
              if (e) std::rethrow_exception(e);
              statuses.push_back(code_of(r));
            });
      }
      io.run();
      std::sort(statuses.begin(), statuses.end());
      // "conflict" sorts before "ok".
      auto expected = std::vector<std::string_view>(attempts, "conflict");
      expected.back() = "ok";
      CHECK(statuses == expected);
      auto const all = list(f, {});
      CHECK(all.total == 1);
      // The losers' tags were rolled back with their rows.
      std::int64_t tagged = 0;
      for (int i = 0; i < attempts; ++i)
        tagged += list(f, query({}, "t" + std::to_string(i))).total;
      CHECK(tagged == 1);
    });
  }

  TEST_CASE("migrations are idempotent") {
    auto const check_reopen = [](std::string const& url) {
      std::int64_t id = 0;
      {
        fixture f(url);
        id = f.create("kept").id;
      }
      fixture again(url);
      auto const versions = [](soci::session& sql) -> core::result<std::vector<int>> {
        std::vector<int> seen;
        soci::rowset<int> rows =
            (sql.prepare << "SELECT version FROM schema_version ORDER BY version");
        for (int v : rows) seen.push_back(v);
        return seen;
      };
      auto const recorded = await(again.database.run(versions));
      REQUIRE(recorded.has_value());
      std::vector<int> expected;
      for (auto const& m : db::migrations()) expected.push_back(m.version);
      CHECK(*recorded == expected);
      CHECK(recorded->back() == db::migrations().back().version);
      auto const kept = await(again.repo.get(id));
      REQUIRE(kept.has_value());
      CHECK(kept->name == "kept");
    };
    SUBCASE("SQLite: open twice on one file") {
      wsd::test::temp_directory dir("wsd-repo-test-");
      auto const url = "sqlite3://db=" + dir.path() + "/nested/dir/wsd.db";
      check_reopen(url);
    }
    SUBCASE("PostgreSQL: open twice on one database") {
      auto const store = scratch_store::postgresql();
      check_reopen(store.url());
    }
  }

  TEST_CASE("database.queries counts every query") {
    on_each_backend([](scratch_store const& store) {
      fixture f(store.url());
      auto const created = f.create("counted");
      auto const before = f.metrics.database.queries.load();
      CHECK(await(f.repo.get(created.id)).has_value());
      auto const after_get = f.metrics.database.queries.load();
      CHECK(after_get > before);
      list(f, query({}, "x"));
      CHECK(f.metrics.database.queries.load() >= after_get + 2);  // count + page
    });
  }

  TEST_CASE("database calls run only on the blocking pool") {
    on_each_backend([](scratch_store const& store) {
      thread_recorder::journal journal;
      // One connection, so the recorder installed on it sees every query.
      fixture f(store.url(), 1);

      SUBCASE("with_session off the pool throws std::logic_error") {
        auto const touch = [](soci::session&) -> core::result<int> { return 1; };
        CHECK_THROWS_AS(f.database.with_session(touch), std::logic_error);
        CHECK_FALSE(db::blocking_pool::on_pool_thread());
      }

      SUBCASE("repository queries run on pool threads, coroutines resume on io threads") {
        auto const install = [&journal](soci::session& sql) -> core::result<int> {
          sql.set_logger(new thread_recorder(sql.get_logger(), journal));
          return 0;
        };
        REQUIRE(await(f.database.run(install)).has_value());

        asio::io_context io;
        std::mutex mutex;
        std::vector<std::thread::id> resumed;
        std::vector<bool> succeeded;
        std::optional<std::thread::id> probe_thread;
        bool probe_on_pool = false;
        bool io_with_session_threw = false;
        auto const note = [&](bool ok) {
          std::lock_guard const lock(mutex);
          resumed.push_back(std::this_thread::get_id());
          succeeded.push_back(ok);
        };
        auto const probe = [&](soci::session& sql) -> core::result<int> {
          probe_thread = std::this_thread::get_id();
          probe_on_pool = db::blocking_pool::on_pool_thread();
          int one = 0;
          sql << "SELECT 1", soci::into(one);
          return one;
        };
        auto const touch = [](soci::session&) -> core::result<int> { return 1; };

        auto const scenario = [&]() -> asio::awaitable<void> {
          try {
            f.database.with_session(touch);
          } catch (std::logic_error const&) {
            io_with_session_threw = true;
          }
          ws::new_workstation input{"t-1", "10.0.0.1", 1, ws::status::offline, "", {}};
          auto const created = co_await f.repo.create(std::move(input));
          note(created.has_value());
          auto const id = created.has_value() ? created->value.id : 0;
          note((co_await f.repo.get(id)).has_value());
          auto tagged = query({}, "gpu");
          note((co_await f.repo.list(std::move(tagged))).has_value());
          ws::workstation_patch change = patch_of().port(2);
          ws::precondition check = [](ws::workstation const&) { return true; };
          note((co_await f.repo.patch(id, std::move(change), std::move(check))).has_value());
          note((co_await f.repo.remove(id)).has_value());
          note((co_await f.database.run(probe)).has_value());
        };
        // Database calls are awaited from a strand, as the server's sessions do.
        asio::co_spawn(asio::make_strand(io), scenario(), [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
        std::thread second([&io] { io.run(); });
        std::set<std::thread::id> const io_threads{std::this_thread::get_id(), second.get_id()};
        io.run();
        second.join();
        // The pool may still be signalling `io` after posting its last answer.
        f.database.close();

        CHECK(io_with_session_threw);
        CHECK(succeeded == std::vector<bool>(6, true));
        for (auto const& id : resumed) CHECK(io_threads.contains(id));
        REQUIRE(probe_thread.has_value());
        CHECK(probe_on_pool);
        CHECK_FALSE(io_threads.contains(*probe_thread));

        std::lock_guard const lock(journal.mutex);
        CHECK(journal.entries.size() >= 8);
        for (auto const& e : journal.entries) {
          CHECK(e.on_pool);
          CHECK_FALSE(io_threads.contains(e.thread));
        }
      }
    });
  }
}
