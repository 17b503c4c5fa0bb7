#include "wsd/config/command_line.hpp"

#include <string>

#include <doctest/doctest.h>
#include <boost/json/object.hpp>
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
  TEST_CASE("flags") {
    SUBCASE("shortcuts, separate and joined values") {
      auto const c = parsed(
          {"--host", "0.0.0.0", "--port=9000", "--threads", "3", "--db=sqlite3://db=:memory:"});
      CHECK(c.server.host == "0.0.0.0");
      CHECK(c.server.port == 9000);
      CHECK(c.server.threads == 3);
      CHECK(c.db.url == "sqlite3://db=:memory:");
    }
    SUBCASE("--set is repeatable and keeps everything after the first '='") {
      auto const c =
          parsed({"--set", "cache.ttl_seconds=5", "--set=db.url=postgresql://host=h password=a=b",
                  "--set", "log.access=off"});
      CHECK(c.cache.ttl == 5s);
      CHECK(c.db.url == "postgresql://host=h password=a=b");
      CHECK_FALSE(c.log.access);
    }
    SUBCASE("the last flag for a key wins") {
      CHECK(parsed({"--port", "1", "--set", "server.port=2"}).server.port == 2);
      CHECK(parsed({"--set", "server.port=2", "--port", "1"}).server.port == 1);
    }
    SUBCASE("--port=0 asks for an ephemeral port") {
      CHECK(parsed({"--port=0"}).server.port == 0);
      CHECK(parsed({"--port", "65535"}).server.port == 65535);
    }
    SUBCASE("--set takes a list as a JSON array or comma-separated") {
      auto const json_form =
          parsed({"--set", R"(server.trusted_proxies=["127.0.0.1","10.0.0.0/8"])"});
      auto const comma_form = parsed({"--set", "server.trusted_proxies=127.0.0.1,10.0.0.0/8"});
      REQUIRE(json_form.server.trusted_proxies.size() == 2);
      CHECK(json_form.server.trusted_proxies[0].to_string() == "127.0.0.1");
      CHECK(json_form.server.trusted_proxies[1].to_string() == "10.0.0.0/8");
      CHECK(comma_form == json_form);
      CHECK(parsed({"--set", "server.trusted_proxies="}).server.trusted_proxies.empty());
    }
  }

  TEST_CASE("--help, -h and --version") {
    CHECK(parse({"--help"})->what == command::help);
    CHECK(parse({"-h"})->what == command::help);
    CHECK(parse({"--version"})->what == command::version);
    CHECK(parse({"--port", "1", "--help"})->what == command::help);

    SUBCASE("they do not read the configuration") {
      CHECK(parse({"--help"}, {{"WSD_SERVER_PORT", "bad"}}).has_value());
      CHECK(parse({"--version", "--config", "/nonexistent/wsd.json"}).has_value());
    }
    SUBCASE("they take no value") {
      CHECK(error_of(parse({"--help=yes"})) == "option '--help' takes no value");
    }
  }

  TEST_CASE("malformed command lines") {
    CHECK(error_of(parse({"--set", "server.port"})) ==
          "invalid --set 'server.port': expected section.key=value");
    CHECK(error_of(parse({"--set", "port=1"})) ==
          "invalid --set 'port': expected section.key=value");
    CHECK(mentions(error_of(parse({"--set", "=1"})), "invalid --set"));
    CHECK(error_of(parse({"--port"})) == "option '--port' requires a value (N)");
    CHECK(mentions(error_of(parse({"--set"})), "'--set' requires a value"));
    CHECK(mentions(error_of(parse({"--port", "--host", "x"})), "'--port' requires a value"));
    CHECK(mentions(error_of(parse({"--config"})), "'--config' requires a value"));
    CHECK(error_of(parse({"--bogus"})) == "unknown option '--bogus'");
    CHECK(error_of(parse({"--bogus=1"})) == "unknown option '--bogus'");
    CHECK(error_of(parse({"-p", "1"})) == "unknown option '-p'");
    CHECK(error_of(parse({"serve"})) == "unexpected argument 'serve'");
  }

  TEST_CASE("parse_command_line keeps --set and shortcut values for later, in order") {
    std::vector<std::string_view> const args{
        "--set", "cache.ttl_seconds=5", "--port", "x", "--config", "f.json"};
    auto const line = wsd::config::parse_command_line(args);
    REQUIRE(line.has_value());
    CHECK(line->what == command::run);
    CHECK(line->config_file == "f.json");
    REQUIRE(line->assignments.size() == 2);
    CHECK(line->assignments[0].key->name == "cache.ttl_seconds");
    CHECK(line->assignments[0].value == "5");
    CHECK(line->assignments[0].source == "in --set");
    // Values are checked only when applied, after the file and the environment.
    CHECK(line->assignments[1].key->name == "server.port");
    CHECK(line->assignments[1].value == "x");
    CHECK(line->assignments[1].source == "from --port");
  }

  TEST_CASE("help_text lists every option and every key with its default") {
    auto const help = wsd::config::help_text();
    for (auto const option : {"--config FILE", "--host ADDR", "--port N", "--threads N", "--db URL",
                              "--set KEY=VALUE", "-h, --help", "--version"}) {
      CHECK_MESSAGE(mentions(help, option), option);
    }
    auto const defaults = wsd::config::to_json(settings{});
    std::size_t count = 0;
    for (auto const& [section, keys] : defaults) {
      for (auto const& [key, value] : keys.as_object()) {
        auto const entry =
            std::string{section} + "." + std::string{key} + " = " + boost::json::serialize(value);
        CHECK_MESSAGE(mentions(help, entry), entry);
        ++count;
      }
    }
    CHECK(count == wsd::config::keys().size());
    for (auto const name : {"WSD_DB", "WSD_PORT", "WSD_JWT_SECRET", "WSD_ADMIN_PASSWORD"}) {
      CHECK_MESSAGE(mentions(help, name), name);
    }
    CHECK(mentions(help, "server.trusted_proxies = []"));
    CHECK(mentions(help, "compression.gzip_level = 6"));
    CHECK(mentions(help, "comma-separated"));
  }
}
