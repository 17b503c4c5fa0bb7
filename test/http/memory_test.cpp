// What a hostile client can make the server hold: a chunk extension or a
// trailer section that never ends, and pipelined requests whose answers are
// never read. Each attack runs against the real binary while its resident
// memory is sampled from /proc; the bound is on memory, never on time.
#include <unistd.h>

#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "support/http_client.hpp"
#include "support/process.hpp"

using wsd::test::http_client;
using wsd::test::wsd_server;

namespace {

constexpr std::size_t mib = 1024 * 1024;
// SPEC bound for one connection, whatever it sends.
constexpr std::size_t max_growth = 64 * mib;

std::size_t rss_bytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::size_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
    status.ignore(4096, '\n');
  }
  return 0;
}

wsd_server start() {
  return wsd_server{{.args = {"--set", "server.send_timeout_ms=2000", "--set",
                              "server.header_timeout_ms=60000"}}};
}

// Sends `head`, then `filler` over and over (up to `total` bytes) until the
// server stops taking it, sampling the server's RSS; the peak growth.
std::size_t flood(wsd_server const& server, std::string const& head, std::string const& filler,
                  std::size_t total) {
  auto const before = rss_bytes(server.pid());
  std::size_t peak = before;
  http_client attacker{server.port(), std::chrono::seconds{5}};
  attacker.send_raw(head);
  try {
    for (std::size_t sent = 0; sent < total; sent += filler.size()) {
      attacker.send_raw(filler);
      if (sent % (4 * mib) < filler.size()) peak = std::max(peak, rss_bytes(server.pid()));
    }
  } catch (std::runtime_error const&) {
    // The server closed the connection or stopped reading: the point.
  }
  peak = std::max(peak, rss_bytes(server.pid()));
  // It answers 431 (or just closes) and keeps serving others.
  if (attacker.is_open() && !attacker.wait_closed(std::chrono::seconds{30}))
    FAIL_CHECK("the attacking connection was not closed");
  CHECK(wsd::test::request(server.port(), "GET", "/health").status == 200);
  return peak - before;
}

}  // namespace

TEST_SUITE("memory bounds") {
  TEST_CASE("an endless chunk extension is cut off: bounded memory, 431 or close") {
    auto server = start();
    auto const grown = flood(server,
                             "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                             "application/json\r\nTransfer-Encoding: chunked\r\n\r\n2;",
                             std::string(64 * 1024, 'a'), 256 * mib);
    MESSAGE("RSS growth: " << grown / 1024 << " KiB");
    CHECK(grown <= max_growth);
  }

  TEST_CASE("an endless trailer section is cut off: bounded memory, 431 or close") {
    auto server = start();
    std::string trailers;
    for (int i = 0; i < 2048; ++i) trailers += "X-T" + std::to_string(i) + ": v\r\n";
    auto const grown =
        flood(server,
              "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
              "application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n",
              trailers, 256 * mib);
    MESSAGE("RSS growth: " << grown / 1024 << " KiB");
    CHECK(grown <= max_growth);
  }

  TEST_CASE("pipelined requests whose answers are never read: bounded memory, dropped") {
    auto server = start();
    std::string requests;
    for (int i = 0; i < 64; ++i) requests += "GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";
    auto const grown = flood(server, "", requests, 64 * mib);
    MESSAGE("RSS growth: " << grown / 1024 << " KiB");
    CHECK(grown <= max_growth);
  }
}
