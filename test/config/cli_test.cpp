// Black-box tests of the command line and configuration contract of SPEC.md
// ("Command line and configuration"), run against the real wsd binary.
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <string_view>

namespace {

using namespace std::chrono_literals;
using wsd::test::run_wsd;
using wsd::test::temp_directory;
using wsd::test::wsd_server;

// Startup errors come long before this; a run that reaches it did not fail.
constexpr auto startup_limit = 10s;

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::size_t count(std::string_view text, std::string_view part) {
  std::size_t found = 0;
  for (auto at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1)) {
    ++found;
  }
  return found;
}

// Exit code 2 and a message on stderr that names what was wrong.
void check_startup_error(wsd::test::process_result const& result, std::string_view named) {
  CAPTURE(result.out);
  CAPTURE(result.err);
  CHECK(result.exit_code == 2);
  CHECK(contains(result.err, named));
}

// Whether the server's body limit refuses a 2000-byte login body, which shows
// which source of server.max_body_bytes won.
bool refuses_2000_byte_body(wsd_server const& server) {
  std::string const head = R"({"username":"nobody","password":")";
  std::string const tail = R"("})";
  auto const body = head + std::string(2000 - head.size() - tail.size(), 'x') + tail;
  return wsd::test::request(server.port(), "POST", "/api/auth/login", body).status == 413;
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("--help lists the options and the config keys") {
    auto const result = run_wsd({"--help"}, {}, startup_limit);
    CAPTURE(result.err);
    CHECK(result.exit_code == 0);
    for (auto const* text :
         {"--config", "--host", "--port", "--threads", "--db", "--set", "cache.ttl_seconds",
          "server.max_body_bytes", "log.access", "server.trusted_proxies = []",
          "events.queue_events = 1024", "compression.brotli_quality = 5"}) {
      CAPTURE(text);
      CHECK(contains(result.out, text));
    }
  }

  TEST_CASE("--version prints the version") {
    auto const result = run_wsd({"--version"}, {}, startup_limit);
    CAPTURE(result.err);
    CHECK(result.exit_code == 0);
    CHECK(contains(result.out, WSD_VERSION));
  }

  TEST_CASE("invalid command line settings are startup errors naming the key") {
    SUBCASE("an unknown --set key") {
      check_startup_error(run_wsd({"--port", "0", "--set", "bogus.key=1"}, {}, startup_limit),
                          "bogus.key");
    }
    SUBCASE("an invalid --set value") {
      check_startup_error(
          run_wsd({"--port", "0", "--set", "server.max_connections=many"}, {}, startup_limit),
          "server.max_connections");
    }
    SUBCASE("a list entry that is not an address or a range") {
      check_startup_error(
          run_wsd({"--port", "0", "--set", "server.trusted_proxies=127.0.0.1,10.0.0.1/8"}, {},
                  startup_limit),
          "server.trusted_proxies");
    }
    SUBCASE("a --port that is not a number") {
      check_startup_error(run_wsd({"--port", "abc"}, {}, startup_limit), "port");
    }
  }

  TEST_CASE("an invalid value in the environment is a startup error naming the key") {
    check_startup_error(run_wsd({"--port", "0"}, {{"WSD_CACHE_TTL_SECONDS", "abc"}}, startup_limit),
                        "cache.ttl_seconds");
  }

  TEST_CASE("config file problems are startup errors") {
    temp_directory const dir;
    auto const run_with = [&](std::string_view content) {
      auto const file = dir.write_file("wsd.json", content);
      return run_wsd({"--port", "0", "--config", file}, {}, startup_limit);
    };

    SUBCASE("a file that does not exist") {
      check_startup_error(
          run_wsd({"--port", "0", "--config", "/nonexistent.json"}, {}, startup_limit),
          "/nonexistent.json");
    }
    SUBCASE("an unknown key") {
      check_startup_error(run_with(R"({"cache":{"ttl_seconds":5,"bogus_key":1}})"),
                          "cache.bogus_key");
    }
    SUBCASE("an unknown section") {
      check_startup_error(run_with(R"({"bogus_section":{"key":1}})"), "bogus_section");
    }
    SUBCASE("an invalid value") {
      check_startup_error(run_with(R"({"server":{"max_connections":"many"}})"),
                          "server.max_connections");
    }
    SUBCASE("a file that is not JSON") {
      auto const result = run_with("{not json");
      CAPTURE(result.err);
      CHECK(result.exit_code == 2);
    }
  }

  TEST_CASE("--port 0 binds an ephemeral port and prints the listening line once") {
    wsd_server server;  // started with --host 127.0.0.1 --port 0
    CHECK(server.port() != 0);
    auto const out = server.out();
    CHECK(
        contains(out, "wsd listening on http://127.0.0.1:" + std::to_string(server.port()) + "\n"));
    CHECK(count(out, "wsd listening on") == 1);
    CHECK(wsd::test::request(server.port(), "GET", "/health").status == 200);
  }

  TEST_CASE("environment variables of unknown names are ignored") {
    wsd_server server{{.env = {{"WSD_NO_SUCH_SETTING", "1"}, {"WSD_BOGUS_KEY", "x"}}}};
    CHECK(wsd::test::request(server.port(), "GET", "/health").status == 200);
  }

  TEST_CASE("settings take precedence flags > environment > file > defaults") {
    temp_directory const dir;
    auto const small_file = dir.write_file("small.json", R"({"server":{"max_body_bytes":1000}})");
    auto const large_file = dir.write_file("large.json", R"({"server":{"max_body_bytes":100000}})");

    SUBCASE("the default of 1 MiB accepts the body") {
      wsd_server const server;
      CHECK_FALSE(refuses_2000_byte_body(server));
    }
    SUBCASE("the file wins over the default") {
      wsd_server const server{{.args = {"--config", small_file}}};
      CHECK(refuses_2000_byte_body(server));
    }
    SUBCASE("the environment wins over the file") {
      wsd_server const server{
          {.args = {"--config", large_file}, .env = {{"WSD_SERVER_MAX_BODY_BYTES", "1000"}}}};
      CHECK(refuses_2000_byte_body(server));
    }
    SUBCASE("a flag wins over the environment") {
      wsd_server const server{{.args = {"--set", "server.max_body_bytes=100000"},
                               .env = {{"WSD_SERVER_MAX_BODY_BYTES", "1000"}}}};
      CHECK_FALSE(refuses_2000_byte_body(server));
    }
  }
}
