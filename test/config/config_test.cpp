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
    CHECK_FALSE(c.auth.jwt_secret.has_value());
    CHECK_FALSE(c.auth.admin_password.has_value());
    CHECK(c.log.access);
    CHECK(c.log.level == "info");
    CHECK_FALSE(c.metrics.is_public);
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
  }

  TEST_CASE("to_json reflects the settings and round-trips through a file") {
    settings changed;
    changed.server.port = 1;
    changed.cache.sweep_interval = 20ms;
    changed.metrics.is_public = true;
    changed.log.level = "trace";
    auto const j = wsd::config::to_json(changed);
    CHECK(j.at("server").at("port") == 1);
    CHECK(j.at("cache").at("sweep_interval_ms") == 20);
    CHECK(j.at("metrics").at("public") == true);
    CHECK(j.at("log").at("level") == "trace");

    temp_file const file{boost::json::serialize(j)};
    CHECK(parsed({"--config", file.path()}) == changed);
  }

  TEST_CASE("the documented conf/wsd.json holds every key at its default") {
    auto const path = std::filesystem::path{__FILE__}.parent_path() / "../../conf/wsd.json";
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
}
