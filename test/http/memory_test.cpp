// What hostile clients can make the server hold: a chunk extension or a
// trailer section that never ends, pipelined requests whose answers are never
// read, and large lists requested by clients that never read them. Each
// attack runs against the real binary, from one connection and from eight at
// once, while a watcher samples its resident memory from /proc and checks
// that a normal client is still served; the bound is on memory, never on time.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "support/await.hpp"
#include "support/cache_server.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

using wsd::test::cache_server;
using wsd::test::http_client;
using wsd::test::integer;
using wsd::test::object_at;
using wsd::test::wsd_server;

namespace {

using namespace std::chrono_literals;

constexpr std::size_t mib = 1024 * 1024;
// SPEC bounds: one connection, and eight at once, whatever they send.
constexpr std::size_t max_growth_one = 64 * mib;
constexpr std::size_t max_growth_eight = 128 * mib;

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

// Under AddressSanitizer, freed memory stays resident in its quarantine (256
// MiB by default) instead of being reused, so RSS would measure the
// sanitizer, not the server. The servers started by a test inherit its
// environment: a small quarantine keeps use-after-free detection and lets RSS
// follow what the server holds.
void limit_quarantine() {
  std::string options = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
  if (options.find("quarantine_size_mb") != std::string::npos) return;
  options += options.empty() ? "quarantine_size_mb=8" : ":quarantine_size_mb=8";
  ::setenv("ASAN_OPTIONS", options.c_str(), 1);
}

// ThreadSanitizer maps shadow memory for what the server touches, and RSS
// counts it: there, the server's own memory is a fraction of what /proc shows.
#if defined(__SANITIZE_THREAD__)
constexpr std::size_t sanitizer_factor = 4;
#else
constexpr std::size_t sanitizer_factor = 1;
#endif

std::vector<std::string> const timeouts{"--set", "server.send_timeout_ms=2000", "--set",
                                        "server.header_timeout_ms=60000"};

wsd_server start() {
  limit_quarantine();
  return wsd_server{{.args = timeouts}};
}

// Runs `attack` on `connections` threads at once while sampling the server's
// RSS and checking that /health is answered; the peak growth.
std::size_t peak_growth(wsd_server const& server, int connections,
                        std::function<void()> const& attack) {
  auto const before = rss_bytes(server.pid());
  std::atomic<std::size_t> peak = before;
  std::atomic<bool> done = false;
  std::atomic<int> unanswered = 0;
  std::thread watcher([&] {
    while (!done) {
      peak = std::max(peak.load(), rss_bytes(server.pid()));
      try {
        if (wsd::test::request(server.port(), "GET", "/health").status != 200) ++unanswered;
      } catch (std::runtime_error const&) {
        ++unanswered;
      }
      std::this_thread::sleep_for(20ms);
    }
  });
  std::vector<std::thread> attackers;
  for (int i = 0; i < connections; ++i) attackers.emplace_back(attack);
  for (auto& t : attackers) t.join();
  done = true;
  watcher.join();
  CHECK(unanswered == 0);  // a normal client was served throughout
  CHECK(wsd::test::request(server.port(), "GET", "/health").status == 200);
  return std::max(peak.load(), rss_bytes(server.pid())) - before;
}

// Sends `head`, then `filler` over and over (up to `total` bytes) until the
// server stops taking it; the server must then close the connection (after
// a 431, or without an answer).
void flood(std::uint16_t port, std::string const& head, std::string const& filler,
           std::size_t total) {
  http_client attacker{port, std::chrono::seconds{5}};
  attacker.send_raw(head);
  try {
    for (std::size_t sent = 0; sent < total; sent += filler.size()) attacker.send_raw(filler);
  } catch (std::runtime_error const&) {
    // The server closed the connection or stopped reading: the point.
  }
  if (attacker.is_open() && !attacker.wait_closed(30s))
    FAIL_CHECK("the attacking connection was not closed");
}

void check_bounded(wsd_server const& server, std::string const& head, std::string const& filler,
                   std::size_t total) {
  SUBCASE("one connection") {
    auto const grown = peak_growth(server, 1, [&] { flood(server.port(), head, filler, total); });
    MESSAGE("RSS growth, one connection: " << grown / 1024 << " KiB");
    CHECK(grown <= max_growth_one);
  }
  SUBCASE("eight at once") {
    auto const grown =
        peak_growth(server, 8, [&] { flood(server.port(), head, filler, total / 4); });
    MESSAGE("RSS growth, eight connections: " << grown / 1024 << " KiB");
    CHECK(grown <= max_growth_eight);
  }
}

std::string const chunked_login =
    "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
    "application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

// A workstation as large as the SPEC allows: a 1024-byte description and 32
// tags of 64 characters.
std::string large_workstation(int i) {
  std::string tags;
  for (int t = 0; t < 32; ++t)
    tags += (t ? ",\"" : "\"") + std::string(61, 't') + std::to_string(100 + t) + "\"";
  return R"({"name":"big-)" + std::to_string(i) + R"(","ip_address":"10.1.)" +
         std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) +
         R"(","port":5985,"status":"online","description":")" + std::string(1024, 'd') +
         R"(","tags":[)" + tags + "]}";
}

}  // namespace

TEST_SUITE("memory bounds") {
  TEST_CASE("an endless chunk extension is cut off: bounded memory, 431 or close") {
    auto server = start();
    check_bounded(server, chunked_login + "2;", std::string(64 * 1024, 'a'), 256 * mib);
  }

  TEST_CASE("an endless trailer section is cut off: bounded memory, 431 or close") {
    auto server = start();
    std::string trailers;
    for (int i = 0; i < 2048; ++i) trailers += "X-T" + std::to_string(i) + ": v\r\n";
    check_bounded(server, chunked_login + "2\r\n{}\r\n0\r\n", trailers, 256 * mib);
  }

  TEST_CASE("pipelined requests whose answers are never read: bounded memory, dropped") {
    auto server = start();
    std::string requests;
    for (int i = 0; i < 64; ++i) requests += "GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";
    check_bounded(server, "", requests, 64 * mib);
  }

  TEST_CASE("clients that request large lists and never read them: bounded memory, dropped") {
    limit_quarantine();
    // Patient idle and header timeouts: only the send timeout may close.
    cache_server const s{"server.send_timeout_ms=2000", "server.idle_timeout_ms=300000",
                         "server.header_timeout_ms=300000"};
    constexpr int items = 1010;
    for (int i = 0; i < items; ++i) {
      auto const r = s.call("POST", "/api/workstations", large_workstation(i),
                            {{"Content-Type", "application/json"}});
      REQUIRE_MESSAGE(r.status == 201, r.body);
    }
    auto const token = s.user_token("viewer");
    // Each reader asks for its own ~3 MiB list (1000 items from its own
    // offset), eight times pipelined: more than the sockets' buffers take, so
    // the server's send blocks. Nothing is read until the server holds no
    // connection any more (only server.send_timeout_ms can close these);
    // then each reader drains and must find its connection closed.
    int next_offset = 0;
    auto const slow_readers = [&](int count) {
      return [&, count] {
        std::vector<http_client> readers;
        for (int r = 0; r < count; ++r) {
          auto const get =
              "GET /api/workstations?limit=1000&offset=" + std::to_string(next_offset++) +
              " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n";
          std::string pipelined;
          for (int i = 0; i < 8; ++i) pipelined += get;
          readers.emplace_back(s.port(), std::chrono::seconds{5}).send_raw(pipelined);
        }
        CHECK(wsd::test::eventually(
            [&] {
              return integer(object_at(s.metrics(), "connections"), "active") <= 1;  // this one
            },
            120s, 100ms));
        for (auto& reader : readers) CHECK(reader.wait_closed(60s));
      };
    };
    auto const one = peak_growth(s.process(), 1, slow_readers(1));
    MESSAGE("RSS growth, one slow reader: " << one / 1024 << " KiB");
    CHECK(one <= max_growth_one * sanitizer_factor);
    auto const eight = peak_growth(s.process(), 1, slow_readers(8));
    MESSAGE("RSS growth, eight slow readers: " << eight / 1024 << " KiB");
    CHECK(eight <= max_growth_eight * sanitizer_factor);
    // Each list fits the cache whatever the shard count (max_bytes / 8).
    CHECK(s.x_cache("/api/workstations?limit=1000&offset=0") == "HIT");
  }
}
