#include "wsd/config/keys.hpp"

#include <algorithm>
#include <set>
#include <string>

#include <doctest/doctest.h>
#include <boost/json/value.hpp>

#include "config/harness.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wsd::config::test;
using wsd::config::settings;

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("invalid values name the key and where they came from") {
    SUBCASE("from the environment") {
      auto const message = error_of(parse({}, {{"WSD_SERVER_PORT", "abc"}}));
      CHECK(message.starts_with("invalid value for 'server.port': 'abc' (from WSD_SERVER_PORT)"));
      CHECK(mentions(message, "0..65535"));
      CHECK(mentions(error_of(parse({}, {{"WSD_PORT", "x"}})), "(from WSD_PORT)"));
      CHECK(mentions(error_of(parse({}, {{"WSD_DB", ""}})), "'db.url': '' (from WSD_DB)"));
    }
    SUBCASE("from --set and the shortcut flags") {
      CHECK(error_of(parse({"--set", "server.port=+1"}))
                .starts_with("invalid value for 'server.port': '+1' (in --set)"));
      CHECK(error_of(parse({"--port", "65536"}))
                .starts_with("invalid value for 'server.port': '65536' (from --port)"));
      CHECK(mentions(error_of(parse({"--threads", "1025"})), "'server.threads'"));
      CHECK(mentions(error_of(parse({"--host="})), "'server.host': '' (from --host)"));
    }
    SUBCASE("from the file, including wrong JSON types") {
      for (auto const* body : {R"({"server": {"port": "8080"}})", R"({"server": {"port": -1}})",
                               R"({"server": {"port": 80.5}})", R"({"server": {"port": 70000}})",
                               R"({"server": {"port": null}})", R"({"server": {"port": 1e400}})"}) {
        temp_file const file{body};
        auto const message = error_of(parse({"--config", file.path()}));
        CHECK_MESSAGE(message.starts_with("invalid value for 'server.port': "), body);
        CHECK_MESSAGE(mentions(message, "(in " + file.path() + ")"), body);
      }
      temp_file const text_for_bool{R"({"cache": {"enabled": "true"}})"};
      CHECK(mentions(error_of(parse({"--config", text_for_bool.path()})), "'cache.enabled'"));
      temp_file const number_for_text{R"({"log": {"level": 3}})"};
      CHECK(mentions(error_of(parse({"--config", number_for_text.path()})), "'log.level'"));
      temp_file const bad_level{R"({"log": {"level": "loud"}})"};
      CHECK(mentions(error_of(parse({"--config", bad_level.path()})), "'log.level'"));
    }
    SUBCASE("integers are strict") {
      for (auto const* text :
           {"", " 80", "80 ", "80x", "0x50", "-1", "+1", "1.0", "1e3", "99999999999999999999"}) {
        CHECK_MESSAGE(parse({}, {{"WSD_SERVER_MAX_CONNECTIONS", text}}).has_error(), text);
      }
      CHECK(parsed({}, {{"WSD_SERVER_MAX_CONNECTIONS", "0042"}}).server.max_connections == 42);
    }
    SUBCASE("ranges") {
      CHECK(rejects("db.pool_size", "0"));
      CHECK(rejects("server.threads", "1025"));
      CHECK(rejects("server.max_connections", "0"));
      CHECK(rejects("server.max_header_bytes", "0"));
      CHECK(rejects("server.max_body_bytes", "0"));
      CHECK(rejects("cache.max_bytes", "0"));
      CHECK(rejects("server.header_timeout_ms", "0"));
      CHECK(rejects("server.idle_timeout_ms", "0"));
      CHECK(rejects("server.drain_timeout_ms", "0"));
      CHECK(rejects("db.query_timeout_ms", "0"));
      CHECK(rejects("cache.sweep_interval_ms", "0"));
      CHECK(rejects("cache.ttl_seconds", "0"));
      CHECK(rejects("cache.ttl_seconds", "2147483648"));
      CHECK(rejects("breaker.failure_threshold", "0"));
      CHECK(rejects("breaker.window_seconds", "0"));
      CHECK(rejects("auth.login_max_failures", "0"));
      CHECK(rejects("cache.shards", "3"));
      CHECK(rejects("cache.shards", "8192"));
      CHECK(rejects("server.host", ""));
      CHECK(rejects("db.url", ""));
      CHECK(rejects("log.level", "INFO"));
      CHECK(rejects("metrics.public", "maybe"));

      auto const c = parsed({"--set", "cache.shards=4096", "--set", "server.threads=1024", "--set",
                             "cache.max_stale_seconds=0", "--set", "log.level=off", "--set",
                             "server.max_body_bytes=1", "--set", "cache.ttl_seconds=2147483647"});
      CHECK(c.cache.shards == 4096);
      CHECK(c.server.threads == 1024);
      CHECK(c.cache.max_stale == 0s);
      CHECK(c.log.level == "off");
      CHECK(c.server.max_body_bytes == 1);
      CHECK(c.cache.ttl == 2147483647s);
      CHECK(parsed({"--set", "cache.shards=0"}).cache.shards == 0);
      CHECK(parsed({"--set", "cache.shards=1"}).cache.shards == 1);
    }
  }

  TEST_CASE("ranges of the keys added for hardening, logins, events and compression") {
    SUBCASE("refused") {
      CHECK(rejects("server.send_timeout_ms", "0"));
      CHECK(rejects("server.send_timeout_ms", "2147483648"));
      CHECK(rejects("auth.login_max_failures_per_address", "0"));
      CHECK(rejects("auth.hash_threads", "1025"));
      CHECK(rejects("auth.hash_threads", "-1"));
      CHECK(rejects("auth.max_pending_logins", "0"));
      CHECK(rejects("auth.min_password_length", "0"));
      CHECK(rejects("auth.min_password_length", "1025"));
      CHECK(rejects("log.max_buffer_bytes", "0"));
      CHECK(rejects("events.retention_seconds", "0"));
      CHECK(rejects("events.max_subscribers", "0"));
      CHECK(rejects("events.queue_events", "0"));
      CHECK(rejects("events.heartbeat_seconds", "0"));
      CHECK(rejects("compression.enabled", "sometimes"));
      CHECK(rejects("compression.min_bytes", "-1"));
      CHECK(rejects("compression.gzip_level", "0"));
      CHECK(rejects("compression.gzip_level", "13"));
      CHECK(rejects("compression.brotli_quality", "12"));
    }
    SUBCASE("the message says what is expected") {
      CHECK(mentions(error_of(parse({"--set", "compression.gzip_level=13"})), "1..12"));
      CHECK(mentions(error_of(parse({"--set", "compression.brotli_quality=12"})), "0..11"));
      CHECK(mentions(error_of(parse({"--set", "auth.min_password_length=0"})), "1..1024"));
      CHECK(mentions(error_of(parse({"--set", "events.queue_events=0"})), ">= 1"));
    }
    SUBCASE("accepted at the edges") {
      auto const c =
          parsed({"--set", "auth.hash_threads=1024", "--set", "auth.min_password_length=1", "--set",
                  "compression.min_bytes=0", "--set", "compression.gzip_level=1", "--set",
                  "compression.brotli_quality=0", "--set", "server.send_timeout_ms=1", "--set",
                  "events.heartbeat_seconds=1"});
      CHECK(c.auth.hash_threads == 1024);
      CHECK(c.auth.min_password_length == 1);
      CHECK(c.compression.min_bytes == 0);
      CHECK(c.compression.gzip_level == 1);
      CHECK(c.compression.brotli_quality == 0);
      CHECK(c.server.send_timeout == 1ms);
      CHECK(c.events.heartbeat == 1s);
      CHECK(parsed({"--set", "auth.min_password_length=1024"}).auth.min_password_length == 1024);
      CHECK(parsed({"--set", "compression.gzip_level=12"}).compression.gzip_level == 12);
      CHECK(parsed({"--set", "compression.brotli_quality=11"}).compression.brotli_quality == 11);
      CHECK(parsed({"--set", "auth.hash_threads=0"}).auth.hash_threads == 0);
    }
  }

  TEST_CASE("server.trusted_proxies refuses what is not an address or a CIDR range") {
    for (auto const* value :
         {"localhost", "10.0.0.0/33", "10.0.0.1/8", "::1/129", "10.0.0.0/", "10.0.0.0/-8",
          "10.0.0.0/+8", "10.0.0", "fe80::1%eth0", "127.0.0.1,", ",127.0.0.1", "a,,b", "[\"x\"]",
          "[127.0.0.1]", "[1]", "[\"127.0.0.1\"", "{}"}) {
      CHECK_MESSAGE(rejects("server.trusted_proxies", value), value);
    }
    auto const message = error_of(parse({"--set", "server.trusted_proxies=127.0.0.1,10.0.0.1/8"}));
    CHECK(message.starts_with(
        "invalid value for 'server.trusted_proxies': entry '10.0.0.1/8' (in --set); expected "));
    CHECK(mentions(message, "CIDR"));
    // A list that is not even a list is shown whole.
    CHECK(error_of(parse({"--set", "server.trusted_proxies=[1]"}))
              .starts_with("invalid value for 'server.trusted_proxies': '[1]' (in --set)"));
  }

  TEST_CASE("the key table") {
    auto const& table = wsd::config::keys();
    SUBCASE("names are unique and read section.key") {
      std::set<std::string_view> names;
      for (auto const& key : table) {
        CHECK_MESSAGE(names.insert(key.name).second, key.name);
        auto const dot = key.name.find('.');
        CHECK_MESSAGE((dot != std::string_view::npos && dot > 0 && dot + 1 < key.name.size() &&
                       key.name.find('.', dot + 1) == std::string_view::npos),
                      key.name);
        CHECK_FALSE(key.help.empty());
        CHECK_FALSE(key.expected.empty());
      }
    }
    SUBCASE("every default is accepted back by its own key") {
      settings const defaults;
      for (auto const& key : table) {
        settings copy;
        CHECK_MESSAGE(key.store(copy, key.load(defaults)).has_value(), key.name);
        CHECK(copy == defaults);
      }
    }
    SUBCASE("lookups") {
      CHECK(wsd::config::find_key("events.queue_events") != nullptr);
      CHECK(wsd::config::find_key("events") == nullptr);
      CHECK(wsd::config::find_key("events.") == nullptr);
      CHECK(wsd::config::is_section("compression"));
      CHECK_FALSE(wsd::config::is_section("compress"));
      CHECK(wsd::config::env_name("server.trusted_proxies") == "WSD_SERVER_TRUSTED_PROXIES");
      CHECK(wsd::config::env_name("events.queue_events") == "WSD_EVENTS_QUEUE_EVENTS");
    }
  }
}
