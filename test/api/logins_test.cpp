// Logins under attack, over HTTP against the real wsd binary (SPEC.md
// "Users, tokens and logins"): attempts are counted before the hash is
// checked, per (username, client address) and per address; the client
// address behind a trusted proxy; the hash pool's admission control, which
// answers 503 without ever touching the circuit breaker.
#include "support/await.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using wsd::test::bearer;
using wsd::test::header_list;
using wsd::test::http_client;
using wsd::test::http_response;
using wsd::test::test_admin_password;
using wsd::test::wsd_server;

std::string credentials(std::string_view user, std::string_view password) {
  return boost::json::serialize(boost::json::object{{"username", user}, {"password", password}});
}

http_response login_from(std::uint16_t port, std::string_view user, std::string_view password,
                         std::string_view forwarded_for = {}) {
  header_list headers{{"Content-Type", "application/json"}};
  if (!forwarded_for.empty()) headers.emplace_back("X-Forwarded-For", std::string(forwarded_for));
  return wsd::test::request(port, "POST", "/api/auth/login", credentials(user, password),
                            std::move(headers));
}

// `count` logins at once, each on its own connection; their answers.
std::vector<http_response> concurrent_logins(std::uint16_t port, int count,
                                             std::function<std::string(int)> const& user,
                                             std::function<std::string(int)> const& forwarded) {
  std::vector<http_response> answers(static_cast<std::size_t>(count));
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i)
    threads.emplace_back([&, i] {
      answers[static_cast<std::size_t>(i)] =
          login_from(port, user(i), "wrong-password!", forwarded(i));
    });
  for (auto& t : threads) t.join();
  return answers;
}

int count_status(std::vector<http_response> const& answers, int status) {
  int n = 0;
  for (auto const& a : answers) n += a.status == status ? 1 : 0;
  return n;
}

boost::json::object metrics(std::uint16_t port) {
  auto const token = wsd::test::login(port, "admin", test_admin_password);
  auto const res = wsd::test::request(port, "GET", "/api/performance/metrics", {}, {bearer(token)});
  REQUIRE(res.status == 200);
  return res.json().as_object();
}

}  // namespace

TEST_SUITE("logins") {
  TEST_CASE("40 concurrent wrong guesses: at most login_max_failures are checked, the rest 429") {
    wsd_server server{{.args = {"--set", "server.trusted_proxies=127.0.0.1"}}};
    auto const answers = concurrent_logins(
        server.port(), 40, [](int) { return std::string("admin"); },
        [](int) { return std::string(); });
    auto const unauthorized = count_status(answers, 401);
    auto const throttled = count_status(answers, 429);
    INFO("401: " << unauthorized << ", 429: " << throttled);
    CHECK(unauthorized + throttled == 40);
    CHECK(unauthorized <= 5);
    CHECK(unauthorized >= 1);
    for (auto const& a : answers)
      if (a.status == 429) CHECK(std::atoi(a.header("Retry-After").c_str()) >= 1);

    // The right password from the same address is throttled too...
    CHECK(login_from(server.port(), "admin", test_admin_password).status == 429);
    // ...but not from another address: nobody locks the admin out from elsewhere.
    auto const elsewhere = login_from(server.port(), "admin", test_admin_password, "203.0.113.7");
    CHECK(elsewhere.status == 200);
  }

  TEST_CASE("the per-address limit counts failures over all usernames") {
    wsd_server server{{.args = {"--set", "auth.login_max_failures_per_address=3", "--set",
                                "server.trusted_proxies=127.0.0.1"}}};
    for (int i = 0; i < 3; ++i)
      CHECK(login_from(server.port(), "user" + std::to_string(i), "wrong-password!", "198.51.100.4")
                .status == 401);
    auto const blocked = login_from(server.port(), "admin", test_admin_password, "198.51.100.4");
    CHECK(blocked.status == 429);
    CHECK(blocked.error_code() == "too_many_requests");
    CHECK(login_from(server.port(), "admin", test_admin_password, "198.51.100.5").status == 200);
  }

  TEST_CASE("X-Forwarded-For is ignored unless the peer is a trusted proxy") {
    wsd_server server{{.args = {"--set", "auth.login_max_failures=2"}}};
    for (int i = 0; i < 2; ++i)
      CHECK(login_from(server.port(), "admin", "wrong-password!", "203.0.113." + std::to_string(i))
                .status == 401);
    // Every attempt came from 127.0.0.1, whatever the header claimed.
    CHECK(login_from(server.port(), "admin", test_admin_password, "203.0.113.99").status == 429);
  }

  TEST_CASE("a success clears its own pair's failures") {
    wsd_server server{{.args = {"--set", "auth.login_max_failures=3"}}};
    for (int round = 0; round < 3; ++round) {
      CAPTURE(round);
      for (int i = 0; i < 2; ++i)
        CHECK(login_from(server.port(), "admin", "wrong-password!").status == 401);
      CHECK(login_from(server.port(), "admin", test_admin_password).status == 200);
    }
  }

  TEST_CASE("a login flood beyond max_pending_logins answers 503 and leaves the breaker closed") {
    wsd_server server{
        {.args = {"--set", "auth.max_pending_logins=1", "--set", "auth.hash_threads=1", "--set",
                  "auth.login_max_failures_per_address=100000", "--set",
                  "breaker.failure_threshold=1"}}};
    int overloaded = 0;
    int rounds = 0;
    std::vector<http_response> answers;
    CHECK(wsd::test::eventually(
        [&] {
          ++rounds;
          answers = concurrent_logins(
              server.port(), 30,
              [rounds](int i) {
                return "flood" + std::to_string(rounds) + "-" + std::to_string(i);
              },
              [](int) { return std::string(); });
          for (auto const& a : answers) {
            INFO(a.status << " " << a.body);
            CHECK((a.status == 401 || a.status == 503));
            if (a.status == 503) {
              ++overloaded;
              CHECK(a.error_code() == "service_unavailable");
              CHECK(std::atoi(a.header("Retry-After").c_str()) >= 1);
            }
          }
          return overloaded > 0;
        },
        120s, 10ms));
    CHECK(wsd::test::request(server.port(), "GET", "/ready").status == 200);
    auto const m = metrics(server.port());
    CHECK(m.at("circuit_breaker").as_object().at("state") == "closed");
    auto const& logins = m.at("logins").as_object();
    CHECK(logins.at("rejected_by_reason").as_object().at("overloaded").to_number<std::int64_t>() ==
          overloaded);
    CHECK(logins.at("pending").to_number<std::int64_t>() == 0);
  }
}
