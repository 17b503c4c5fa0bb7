#include "wsd/config/config.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "config/harness.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wsd::config::test;
using wsd::config::command;
using wsd::config::settings;

// The SPEC's keys and defaults ("Command line and configuration"), as it writes them.
constexpr std::string_view spec_defaults = R"(
  {"server": {"host": "127.0.0.1", "port": 8080, "threads": 0,
              "max_connections": 10000, "header_timeout_ms": 10000,
              "idle_timeout_ms": 60000, "drain_timeout_ms": 10000,
              "max_header_bytes": 8192, "max_body_bytes": 1048576,
              "send_timeout_ms": 30000, "trusted_proxies": []},
   "db":     {"url": "sqlite3://db=var/wsd.db", "pool_size": 4,
              "query_timeout_ms": 5000},
   "cache":  {"enabled": true, "shards": 0, "ttl_seconds": 300,
              "max_bytes": 67108864, "max_stale_seconds": 3600,
              "sweep_interval_ms": 1000},
   "breaker":{"failure_threshold": 3, "window_seconds": 60, "open_seconds": 60},
   "auth":   {"token_ttl_seconds": 3600, "login_max_failures": 5,
              "login_window_seconds": 60, "login_max_failures_per_address": 20,
              "hash_threads": 0, "max_pending_logins": 64,
              "min_password_length": 12},
   "log":    {"access": true, "level": "info", "max_buffer_bytes": 8388608},
   "metrics":{"public": false},
   "events": {"retention_seconds": 3600, "max_subscribers": 10000,
              "queue_events": 1024, "heartbeat_seconds": 15},
   "compression": {"enabled": true, "min_bytes": 1024, "gzip_level": 6,
              "brotli_quality": 5}}
)";

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("no flags, no environment, no file: the built-in defaults") {
    auto const r = parse({});
    REQUIRE(r.has_value());
    CHECK(r->what == command::run);
    auto const& c = r->config;
    CHECK(c == settings{});
    CHECK(c.server.host == "127.0.0.1");
    CHECK(c.server.port == 8080);
    CHECK(c.server.threads == 0);
    CHECK(c.server.max_connections == 10000);
    CHECK(c.server.header_timeout == 10s);
    CHECK(c.server.idle_timeout == 60s);
    CHECK(c.server.drain_timeout == 10s);
    CHECK(c.server.max_header_bytes == 8192);
    CHECK(c.server.max_body_bytes == 1048576);
    CHECK(c.server.send_timeout == 30s);
    CHECK(c.server.trusted_proxies.empty());
    CHECK(c.db.url == "sqlite3://db=var/wsd.db");
    CHECK(c.db.pool_size == 4);
    CHECK(c.db.query_timeout == 5s);
    CHECK(c.cache.enabled);
    CHECK(c.cache.shards == 0);
    CHECK(c.cache.ttl == 300s);
    CHECK(c.cache.max_bytes == 67108864);
    CHECK(c.cache.max_stale == 3600s);
    CHECK(c.cache.sweep_interval == 1s);
    CHECK(c.breaker.failure_threshold == 3);
    CHECK(c.breaker.window == 60s);
    CHECK(c.breaker.open == 60s);
    CHECK(c.auth.token_ttl == 3600s);
    CHECK(c.auth.login_max_failures == 5);
    CHECK(c.auth.login_window == 60s);
    CHECK(c.auth.login_max_failures_per_address == 20);
    CHECK(c.auth.hash_threads == 0);
    CHECK(c.auth.max_pending_logins == 64);
    CHECK(c.auth.min_password_length == 12);
    CHECK_FALSE(c.auth.jwt_secret.has_value());
    CHECK_FALSE(c.auth.admin_password.has_value());
    CHECK(c.log.access);
    CHECK(c.log.level == "info");
    CHECK(c.log.max_buffer_bytes == 8388608);
    CHECK_FALSE(c.metrics.is_public);
    CHECK(c.events.retention == 3600s);
    CHECK(c.events.max_subscribers == 10000);
    CHECK(c.events.queue_events == 1024);
    CHECK(c.events.heartbeat == 15s);
    CHECK(c.compression.enabled);
    CHECK(c.compression.min_bytes == 1024);
    CHECK(c.compression.gzip_level == 6);
    CHECK(c.compression.brotli_quality == 5);
  }

  TEST_CASE("every key the SPEC names is known with the SPEC's default, and no other") {
    CHECK(boost::json::parse(spec_defaults) ==
          boost::json::value(wsd::config::to_json(settings{})));
  }

  TEST_CASE("precedence: flags > environment > file > defaults") {
    temp_file const file{R"({"server": {"port": 1001, "threads": 11, "host": "10.0.0.1"},
                             "cache": {"ttl_seconds": 11}})"};
    env_map const env{{"WSD_SERVER_PORT", "1002"}, {"WSD_SERVER_THREADS", "12"}};

    auto const c = parsed({"--config", file.path(), "--port", "1003"}, env);
    CHECK(c.server.port == 1003);              // flag over env and file
    CHECK(c.server.threads == 12);             // env over file
    CHECK(c.server.host == "10.0.0.1");        // file over default
    CHECK(c.cache.ttl == 11s);                 // file over default
    CHECK(c.server.max_connections == 10000);  // default

    CHECK(parsed({"--config", file.path()}, env).server.port == 1002);
    CHECK(parsed({"--config", file.path()}).server.port == 1001);
    CHECK(parsed({"--set", "server.threads=13"}, env).server.threads == 13);
    CHECK(parsed({"--db", "sqlite3://db=flag.db"}, {{"WSD_DB", "sqlite3://db=env.db"}}).db.url ==
          "sqlite3://db=flag.db");
    CHECK(parsed({"--port", "1003"}, {{"WSD_PORT", "1002"}}).server.port == 1003);

    SUBCASE("a list key, whole: a later source replaces the list, never adds to it") {
      temp_file const lists{R"({"server": {"trusted_proxies": ["10.0.0.0/8", "10.1.0.0/16"]}})"};
      env_map const env_list{{"WSD_SERVER_TRUSTED_PROXIES", "192.168.0.0/16"}};
      auto const from_file = parsed({"--config", lists.path()}).server.trusted_proxies;
      CHECK(from_file.size() == 2);
      auto const from_env = parsed({"--config", lists.path()}, env_list).server.trusted_proxies;
      REQUIRE(from_env.size() == 1);
      CHECK(from_env[0].to_string() == "192.168.0.0/16");
      auto const from_flag =
          parsed({"--config", lists.path(), "--set", "server.trusted_proxies=[]"}, env_list);
      CHECK(from_flag.server.trusted_proxies.empty());
    }
  }

  TEST_CASE("to_json reflects the settings and round-trips through a file") {
    settings changed;
    changed.server.port = 1;
    changed.cache.sweep_interval = 20ms;
    changed.metrics.is_public = true;
    changed.log.level = "trace";
    changed.server.trusted_proxies = {*wsd::config::address_range::parse("10.0.0.0/8"),
                                      *wsd::config::address_range::parse("::1")};
    changed.events.heartbeat = 2s;
    changed.compression.brotli_quality = 11;
    auto const j = wsd::config::to_json(changed);
    CHECK(j.at("server").at("port") == 1);
    CHECK(j.at("cache").at("sweep_interval_ms") == 20);
    CHECK(j.at("metrics").at("public") == true);
    CHECK(j.at("log").at("level") == "trace");
    CHECK(j.at("server").at("trusted_proxies") == boost::json::parse(R"(["10.0.0.0/8", "::1"])"));
    CHECK(j.at("events").at("heartbeat_seconds") == 2);
    CHECK(j.at("compression").at("brotli_quality") == 11);

    temp_file const file{boost::json::serialize(j)};
    CHECK(parsed({"--config", file.path()}) == changed);
  }

  TEST_CASE("the documented conf/wsd.json holds every key at its default") {
    // From the source tree the build names, not __FILE__: a compiler cache
    // may make __FILE__ relative to its own base directory.
    auto const path = std::filesystem::path{WSD_SOURCE_DIR} / "conf/wsd.json";
    std::ifstream in{path};
    REQUIRE_MESSAGE(in, path.string());
    std::string const text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    CHECK(boost::json::parse(text) == boost::json::value(wsd::config::to_json(settings{})));
    CHECK(parsed({"--config", path.string()}) == settings{});
  }

  TEST_CASE("effective_threads") {
    settings s;
    s.server.threads = 3;
    CHECK(wsd::config::effective_threads(s) == 3);
    s.server.threads = 0;
    CHECK(wsd::config::effective_threads(s) >= 1);
    CHECK(wsd::config::effective_threads(s) == std::max(1U, std::thread::hardware_concurrency()));
  }

  TEST_CASE("effective_hash_threads") {
    settings s;
    s.auth.hash_threads = 5;
    CHECK(wsd::config::effective_hash_threads(s) == 5);
    s.auth.hash_threads = 0;
    CHECK(wsd::config::effective_hash_threads(s) ==
          std::max(1U, std::thread::hardware_concurrency() / 2));
    CHECK(wsd::config::effective_hash_threads(s) >= 1);
  }
}
