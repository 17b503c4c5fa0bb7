#include "wsd/config/sources.hpp"

#include <algorithm>
#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "config/harness.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wsd::config::test;
using wsd::config::settings;

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("configuration file") {
    temp_file const file{R"({"server": {"host": "0.0.0.0", "port": 9000, "idle_timeout_ms": 250},
                             "db": {"url": "postgresql://host=db dbname=wsd"},
                             "cache": {"enabled": false, "shards": 16, "ttl_seconds": 5},
                             "log": {"level": "debug"}, "metrics": {"public": true}})"};

    SUBCASE("--config FILE sets the keys it lists and leaves the rest at their defaults") {
      auto const c = parsed({"--config", file.path()});
      CHECK(c.server.host == "0.0.0.0");
      CHECK(c.server.port == 9000);
      CHECK(c.server.idle_timeout == 250ms);
      CHECK(c.db.url == "postgresql://host=db dbname=wsd");
      CHECK_FALSE(c.cache.enabled);
      CHECK(c.cache.shards == 16);
      CHECK(c.cache.ttl == 5s);
      CHECK(c.log.level == "debug");
      CHECK(c.metrics.is_public);
      CHECK(c.server.threads == 0);
      CHECK(c.db.pool_size == 4);
      CHECK(c.breaker == wsd::config::breaker_settings{});
    }
    SUBCASE("--config=FILE works too") {
      CHECK(parsed({"--config=" + file.path()}).server.port == 9000);
    }
    SUBCASE("the default file is read when no --config is given") {
      harness h;
      h.default_file = file.path();
      auto const r = h.parse({});
      REQUIRE(r.has_value());
      CHECK(r->config.server.port == 9000);
    }
    SUBCASE("an explicit --config replaces the default file") {
      temp_file const other{R"({"server": {"port": 9100}})"};
      harness h;
      h.default_file = file.path();
      auto const r = h.parse({"--config", other.path()});
      REQUIRE(r.has_value());
      CHECK(r->config.server.port == 9100);
      CHECK(r->config.server.host == "127.0.0.1");
    }
    SUBCASE("an empty object changes nothing") {
      temp_file const empty{"{}"};
      CHECK(parsed({"--config", empty.path()}) == settings{});
    }
  }

  TEST_CASE("a missing default file means defaults, a missing explicit one is an error") {
    CHECK_FALSE(std::filesystem::exists(no_default_file));
    CHECK(parsed({}) == settings{});

    auto const missing =
        (std::filesystem::temp_directory_path() / "wsd_no_such_file.json").string();
    auto const r = parse({"--config", missing});
    CHECK(mentions(error_of(r), missing));
    CHECK(mentions(error_of(r), "does not exist"));

    auto const dir = parse({"--config", std::filesystem::temp_directory_path().string()});
    CHECK(mentions(error_of(dir), "is a directory"));
  }

  TEST_CASE("a file that is not a JSON object of sections is an error naming it") {
    SUBCASE("syntax error, with its position") {
      temp_file const file{"{\"server\": {\n  \"port\": 80,,\n}}"};
      auto const r = parse({"--config", file.path()});
      CHECK(mentions(error_of(r), file.path()));
      CHECK(mentions(error_of(r), "not valid JSON"));
      CHECK(mentions(error_of(r), "line 2"));
    }
    SUBCASE("empty file") {
      temp_file const file{""};
      CHECK(mentions(error_of(parse({"--config", file.path()})), file.path()));
    }
    SUBCASE("trailing data") {
      temp_file const file{"{} {}"};
      CHECK(mentions(error_of(parse({"--config", file.path()})), file.path()));
    }
    SUBCASE("top level is not an object") {
      temp_file const file{"[1, 2]"};
      CHECK(mentions(error_of(parse({"--config", file.path()})), "must hold a JSON object"));
    }
    SUBCASE("a section is not an object") {
      temp_file const file{R"({"server": 8080})"};
      auto const message = error_of(parse({"--config", file.path()}));
      CHECK(mentions(message, "'server' must be a JSON object"));
      CHECK(mentions(message, file.path()));
    }
    SUBCASE("an invalid default file is an error as well") {
      temp_file const file{"{"};
      harness h;
      h.default_file = file.path();
      CHECK(mentions(error_of(h.parse({})), file.path()));
    }
  }

  TEST_CASE("unknown keys and sections are errors naming them") {
    SUBCASE("unknown key in the file") {
      temp_file const file{R"({"server": {"port": 1, "bogus": 2}})"};
      CHECK(error_of(parse({"--config", file.path()})) ==
            "unknown configuration key 'server.bogus' (in " + file.path() + ")");
    }
    SUBCASE("unknown section in the file") {
      temp_file const file{R"({"sever": {"port": 1}})"};
      CHECK(error_of(parse({"--config", file.path()})) ==
            "unknown configuration section 'sever' (in " + file.path() + ")");
    }
    SUBCASE("env-only secrets are not file keys") {
      temp_file const file{R"({"auth": {"jwt_secret": "x"}})"};
      CHECK(mentions(error_of(parse({"--config", file.path()})), "'auth.jwt_secret'"));
    }
    SUBCASE("unknown key in --set") {
      CHECK(error_of(parse({"--set", "cache.ttl_secs=5"})) ==
            "unknown configuration key 'cache.ttl_secs' (in --set)");
    }
    SUBCASE("unknown WSD_ variables are ignored and never asked for") {
      harness h;
      h.env = {{"WSD_BOGUS", "1"}, {"WSD_CACHE_TTL_SECS", "x"}};
      CHECK(h.parse({}).has_value());
      CHECK(std::ranges::find(h.asked, "WSD_BOGUS") == h.asked.end());
    }
  }

  TEST_CASE("environment") {
    SUBCASE("WSD_SECTION_KEY for every kind of key") {
      auto const c = parsed({}, {{"WSD_CACHE_TTL_SECONDS", "5"},
                                 {"WSD_SERVER_MAX_BODY_BYTES", "2048"},
                                 {"WSD_METRICS_PUBLIC", "yes"},
                                 {"WSD_SERVER_HOST", "::1"},
                                 {"WSD_LOG_LEVEL", "warn"},
                                 {"WSD_DB_QUERY_TIMEOUT_MS", "1500"},
                                 {"WSD_BREAKER_OPEN_SECONDS", "7"}});
      CHECK(c.cache.ttl == 5s);
      CHECK(c.server.max_body_bytes == 2048);
      CHECK(c.metrics.is_public);
      CHECK(c.server.host == "::1");
      CHECK(c.log.level == "warn");
      CHECK(c.db.query_timeout == 1500ms);
      CHECK(c.breaker.open == 7s);
    }
    SUBCASE("shortcuts") {
      auto const c = parsed({}, {{"WSD_DB", "sqlite3://db=/tmp/x.db"},
                                 {"WSD_PORT", "9090"},
                                 {"WSD_JWT_SECRET", "0123456789abcdef0123456789abcdef"},
                                 {"WSD_ADMIN_PASSWORD", "hunter2"}});
      CHECK(c.db.url == "sqlite3://db=/tmp/x.db");
      CHECK(c.server.port == 9090);
      CHECK(c.auth.jwt_secret == "0123456789abcdef0123456789abcdef");
      CHECK(c.auth.admin_password == "hunter2");
    }
    SUBCASE("the full name wins over its shortcut") {
      auto const c = parsed({}, {{"WSD_PORT", "9090"}, {"WSD_SERVER_PORT", "9191"}});
      CHECK(c.server.port == 9191);
    }
    SUBCASE("every key's variable is asked for, and only WSD_ names") {
      harness h;
      REQUIRE(h.parse({}).has_value());
      for (auto const name : {"WSD_SERVER_PORT", "WSD_CACHE_TTL_SECONDS", "WSD_METRICS_PUBLIC",
                              "WSD_AUTH_LOGIN_WINDOW_SECONDS", "WSD_DB", "WSD_PORT",
                              "WSD_JWT_SECRET", "WSD_ADMIN_PASSWORD"}) {
        CHECK_MESSAGE(std::ranges::find(h.asked, name) != h.asked.end(), name);
      }
      for (auto const& key : wsd::config::keys()) {
        auto const name = wsd::config::env_name(key.name);
        CHECK_MESSAGE(std::ranges::find(h.asked, name) != h.asked.end(), name);
      }
      CHECK(std::ranges::all_of(h.asked, [](auto const& n) { return n.starts_with("WSD_"); }));
    }
    SUBCASE("no getenv at all means no environment") {
      auto const r = wsd::config::parse({}, {}, no_default_file);
      REQUIRE(r.has_value());
      CHECK(r->config == settings{});
    }
  }

  TEST_CASE("environment shortcuts name real keys") {
    for (auto const& shortcut : wsd::config::env_shortcuts()) {
      CHECK_MESSAGE(wsd::config::find_key(shortcut.key) != nullptr, shortcut.variable);
      CHECK(shortcut.variable.starts_with("WSD_"));
    }
  }
}
