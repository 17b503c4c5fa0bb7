#include "wsd/config/config.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace {

using namespace std::chrono_literals;
using wsd::config::command;
using wsd::config::settings;
using env_map = std::map<std::string, std::string, std::less<>>;

std::filesystem::path const no_default_file =
    std::filesystem::temp_directory_path() / "wsd_config_test_absent.json";

// A JSON file in the temp directory, removed again when the test ends.
class temp_file {
 public:
  explicit temp_file(std::string_view content) {
    // ctest runs test cases as parallel processes: the name must differ across them too.
    static auto const process_tag = std::random_device{}();
    static std::atomic<unsigned> counter{0};
    path_ =
        std::filesystem::temp_directory_path() / ("wsd_config_test_" + std::to_string(process_tag) +
                                                  "_" + std::to_string(counter++) + ".json");
    std::ofstream{path_} << content;
  }
  temp_file(temp_file const&) = delete;
  temp_file& operator=(temp_file const&) = delete;
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Runs parse() with a map for the environment and records every name asked for.
struct harness {
  env_map env;
  std::filesystem::path default_file = no_default_file;
  std::vector<std::string> asked;

  boost::system::result<command, std::string> parse(std::vector<std::string_view> const& args) {
    return wsd::config::parse(
        args,
        [this](std::string_view name) -> std::optional<std::string> {
          asked.emplace_back(name);
          if (auto const it = env.find(name); it != env.end()) return it->second;
          return std::nullopt;
        },
        default_file);
  }
};

boost::system::result<command, std::string> parse(std::vector<std::string_view> const& args,
                                                  env_map env = {}) {
  harness h;
  h.env = std::move(env);
  return h.parse(args);
}

settings parsed(std::vector<std::string_view> const& args, env_map env = {}) {
  auto const r = parse(args, std::move(env));
  REQUIRE_MESSAGE(r.has_value(), r.error());
  return r->config;
}

std::string error_of(boost::system::result<command, std::string> const& r) {
  return r.has_error() ? r.error() : std::string{"<no error>"};
}

bool mentions(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

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
      CHECK(std::ranges::all_of(h.asked, [](auto const& n) { return n.starts_with("WSD_"); }));
    }
    SUBCASE("no getenv at all means no environment") {
      auto const r = wsd::config::parse({}, {}, no_default_file);
      REQUIRE(r.has_value());
      CHECK(r->config == settings{});
    }
  }

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
      auto const rejects = [](std::string_view key, std::string_view value) {
        auto const assignment = std::string{key} + "=" + std::string{value};
        auto const r = parse({"--set", assignment});
        return r.has_error() && mentions(r.error(), "'" + std::string{key} + "'");
      };
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

  TEST_CASE("boolean forms") {
    for (auto const* yes : {"true", "1", "yes", "on", "TRUE", "On"}) {
      CHECK_MESSAGE(parsed({}, {{"WSD_METRICS_PUBLIC", yes}}).metrics.is_public, yes);
    }
    for (auto const* no : {"false", "0", "no", "off", "False"}) {
      CHECK_FALSE_MESSAGE(parsed({"--set", std::string{"cache.enabled="} + no}).cache.enabled, no);
    }
    for (auto const* junk : {"", "2", "y", "enabled", " true"}) {
      CHECK_MESSAGE(mentions(error_of(parse({}, {{"WSD_LOG_ACCESS", junk}})), "'log.access'"),
                    junk);
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
    CHECK(count == 27);
    for (auto const name : {"WSD_DB", "WSD_PORT", "WSD_JWT_SECRET", "WSD_ADMIN_PASSWORD"}) {
      CHECK_MESSAGE(mentions(help, name), name);
    }
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
