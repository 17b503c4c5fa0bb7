// The harness's own checks: what counts as a sanitizer report, and that a
// server which does not stop cleanly fails the test that ran it.
#include "support/process.hpp"

#include <signal.h>

#include <doctest/doctest.h>

#include <string>

namespace {

using wsd::test::sanitizer_report;
using wsd::test::wsd_server;

}  // namespace

TEST_SUITE("test harness") {
  TEST_CASE("sanitizer_report finds each sanitizer's report and quotes it from its first line") {
    std::string const log_line = R"({"level":"info","msg":"stopping"})"
                                 "\n";
    std::string const asan =
        "==4242==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010\n"
        "    #0 0x4f1 in wsd::cache::shard::get src/cache/sharded_cache.cpp:120\n"
        "SUMMARY: AddressSanitizer: heap-use-after-free src/cache/sharded_cache.cpp:120\n";
    std::string const lsan =
        "==4242==ERROR: LeakSanitizer: detected memory leaks\n"
        "Direct leak of 64 byte(s) in 1 object(s) allocated from:\n"
        "SUMMARY: AddressSanitizer: 64 byte(s) leaked in 1 allocation(s).\n";
    std::string const tsan =
        "WARNING: ThreadSanitizer: data race (pid=4242)\n"
        "SUMMARY: ThreadSanitizer: data race src/db/database.cpp:88 in wsd::db::database::run\n";
    std::string const ubsan =
        "src/http/query.cpp:42:17: runtime error: signed integer overflow: 2147483647 + 1\n";
    for (auto const& report : {asan, lsan, tsan, ubsan}) {
      CAPTURE(report);
      CHECK(sanitizer_report(report) == report);
      CHECK(sanitizer_report(log_line + report + log_line) == report + log_line);
    }
    // A summary alone, its report's first lines lost.
    CHECK(
        sanitizer_report(log_line + "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior\n") ==
        "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior\n");
  }

  TEST_CASE("sanitizer_report finds nothing in a server's ordinary stderr") {
    CHECK(sanitizer_report("").empty());
    CHECK(sanitizer_report("warning: WSD_JWT_SECRET is not set; using a random secret\n"
                           "database error: connection refused; SUMMARY: 3 retries\n")
              .empty());
  }

  TEST_CASE("a server stopped with SIGTERM exits 0 and reports nothing") {
    wsd_server server;
    CHECK(server.running());
    server.stop_expecting(0);
    CHECK_FALSE(server.running());
    CHECK(sanitizer_report(server.err()).empty());
  }

  TEST_CASE("a server killed on purpose says so with stop_expecting") {
    wsd_server server;
    server.stop_expecting(128 + SIGKILL, SIGKILL);
  }

  // The destructor's check, seen failing: this case passes only because it
  // fails.
  TEST_CASE("a server killed behind the test's back fails the test" * doctest::should_fail()) {
    wsd_server server;
    ::kill(server.pid(), SIGKILL);
  }
}
