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
    SUBCASE("the keys added for hardening, logins, events and compression") {
      temp_file const more{R"({"server": {"send_timeout_ms": 500,
                                          "trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]},
                               "auth": {"login_max_failures_per_address": 7, "hash_threads": 2,
                                        "max_pending_logins": 3, "min_password_length": 16},
                               "log": {"max_buffer_bytes": 4096},
                               "events": {"retention_seconds": 60, "max_subscribers": 5,
                                          "queue_events": 8, "heartbeat_seconds": 1},
                               "compression": {"enabled": false, "min_bytes": 0,
                                               "gzip_level": 12, "brotli_quality": 0}})"};
      auto const c = parsed({"--config", more.path()});
      CHECK(c.server.send_timeout == 500ms);
      REQUIRE(c.server.trusted_proxies.size() == 2);
      CHECK(c.server.trusted_proxies[0].to_string() == "127.0.0.1");
      CHECK(c.server.trusted_proxies[1].to_string() == "10.0.0.0/8");
      CHECK(c.auth.login_max_failures_per_address == 7);
      CHECK(c.auth.hash_threads == 2);
      CHECK(c.auth.max_pending_logins == 3);
      CHECK(c.auth.min_password_length == 16);
      CHECK(c.log.max_buffer_bytes == 4096);
      CHECK(c.events.retention == 60s);
      CHECK(c.events.max_subscribers == 5);
      CHECK(c.events.queue_events == 8);
      CHECK(c.events.heartbeat == 1s);
      CHECK_FALSE(c.compression.enabled);
      CHECK(c.compression.min_bytes == 0);
      CHECK(c.compression.gzip_level == 12);
      CHECK(c.compression.brotli_quality == 0);
    }
    SUBCASE("a list in the file is a JSON array of strings, nothing else") {
      temp_file const empty_list{R"({"server": {"trusted_proxies": []}})"};
      CHECK(parsed({"--config", empty_list.path()}).server.trusted_proxies.empty());
      for (auto const* body : {R"({"server": {"trusted_proxies": "127.0.0.1"}})",
                               R"({"server": {"trusted_proxies": [1]}})",
                               R"({"server": {"trusted_proxies": [["127.0.0.1"]]}})",
                               R"({"server": {"trusted_proxies": null}})"}) {
        temp_file const file{body};
        CHECK_MESSAGE(error_of(parse({"--config", file.path()}))
                          .starts_with("invalid value for 'server.trusted_proxies': "),
                      body);
      }
    }
    SUBCASE("a bad entry of a list is named") {
      temp_file const bad{R"({"server": {"trusted_proxies": ["127.0.0.1", "10.0.0.0/33"]}})"};
      CHECK(
          error_of(parse({"--config", bad.path()}))
              .starts_with("invalid value for 'server.trusted_proxies': entry '10.0.0.0/33' (in " +
                           bad.path() + ")"));
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
                              "WSD_JWT_SECRET", "WSD_ADMIN_PASSWORD", "WSD_SERVER_TRUSTED_PROXIES",
                              "WSD_EVENTS_QUEUE_EVENTS", "WSD_COMPRESSION_GZIP_LEVEL"}) {
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
    SUBCASE("the keys added for hardening, logins, events and compression") {
      auto const c = parsed({}, {{"WSD_SERVER_SEND_TIMEOUT_MS", "1500"},
                                 {"WSD_SERVER_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"},
                                 {"WSD_AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS", "9"},
                                 {"WSD_AUTH_HASH_THREADS", "3"},
                                 {"WSD_AUTH_MAX_PENDING_LOGINS", "100"},
                                 {"WSD_AUTH_MIN_PASSWORD_LENGTH", "20"},
                                 {"WSD_LOG_MAX_BUFFER_BYTES", "65536"},
                                 {"WSD_EVENTS_RETENTION_SECONDS", "120"},
                                 {"WSD_EVENTS_MAX_SUBSCRIBERS", "50"},
                                 {"WSD_EVENTS_QUEUE_EVENTS", "16"},
                                 {"WSD_EVENTS_HEARTBEAT_SECONDS", "30"},
                                 {"WSD_COMPRESSION_ENABLED", "off"},
                                 {"WSD_COMPRESSION_MIN_BYTES", "256"},
                                 {"WSD_COMPRESSION_GZIP_LEVEL", "1"},
                                 {"WSD_COMPRESSION_BROTLI_QUALITY", "11"}});
      CHECK(c.server.send_timeout == 1500ms);
      REQUIRE(c.server.trusted_proxies.size() == 2);
      CHECK(c.server.trusted_proxies[1].to_string() == "10.0.0.0/8");
      CHECK(c.auth.login_max_failures_per_address == 9);
      CHECK(c.auth.hash_threads == 3);
      CHECK(c.auth.max_pending_logins == 100);
      CHECK(c.auth.min_password_length == 20);
      CHECK(c.log.max_buffer_bytes == 65536);
      CHECK(c.events.retention == 120s);
      CHECK(c.events.max_subscribers == 50);
      CHECK(c.events.queue_events == 16);
      CHECK(c.events.heartbeat == 30s);
      CHECK_FALSE(c.compression.enabled);
      CHECK(c.compression.min_bytes == 256);
      CHECK(c.compression.gzip_level == 1);
      CHECK(c.compression.brotli_quality == 11);
    }
    SUBCASE("a list from the environment: JSON array, comma-separated, or empty") {
      auto const proxies = [](std::string value) {
        return parsed({}, {{"WSD_SERVER_TRUSTED_PROXIES", std::move(value)}})
            .server.trusted_proxies;
      };
      CHECK(proxies(R"(["127.0.0.1","10.0.0.0/8"])").size() == 2);
      CHECK(proxies("127.0.0.1,10.0.0.0/8").size() == 2);
      CHECK(proxies("::1").size() == 1);
      CHECK(proxies("").empty());
      CHECK(proxies("[]").empty());
      CHECK(error_of(parse({}, {{"WSD_SERVER_TRUSTED_PROXIES", "127.0.0.1,proxy.local"}}))
                .starts_with("invalid value for 'server.trusted_proxies': entry 'proxy.local' "
                             "(from WSD_SERVER_TRUSTED_PROXIES)"));
    }
  }

  TEST_CASE("environment shortcuts name real keys") {
    for (auto const& shortcut : wsd::config::env_shortcuts()) {
      CHECK_MESSAGE(wsd::config::find_key(shortcut.key) != nullptr, shortcut.variable);
      CHECK(shortcut.variable.starts_with("WSD_"));
    }
  }
}
