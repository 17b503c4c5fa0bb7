// Black-box tests of the HTTP foundation: the real wsd binary on an ephemeral
// port, spoken to over raw TCP, checked against SPEC.md ("HTTP API" error
// shape and "HTTP hygiene").
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <source_location>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;
using wsd::test::http_client;
using wsd::test::http_response;
using wsd::test::wsd_server;

// How long a test waits for the server to close a connection or write a
// line: a hang detector, far above what a loaded machine needs. The servers
// here keep idle and half-sent connections far longer (patient_timeouts), so
// a close seen within it is the one the test provoked.
constexpr auto close_deadline = 30s;
constexpr std::array<std::string_view, 2> patient_timeouts{"server.header_timeout_ms=300000",
                                                           "server.idle_timeout_ms=300000"};

bool has_error_message(http_response const& response) {
  auto const json = response.json();
  auto const* error = json.is_object() ? json.as_object().if_contains("error") : nullptr;
  auto const* message =
      error != nullptr && error->is_object() ? error->as_object().if_contains("message") : nullptr;
  return message != nullptr && message->is_string() && !message->as_string().empty();
}

boost::json::value status_ok() {
  return boost::json::parse(R"({"status":"ok"})");
}

bool is_json(http_response const& response) {
  return response.header("Content-Type").starts_with("application/json");
}

// An error response of the SPEC's shape with the given code.
void check_error(http_response const& response, int status, std::string_view code) {
  INFO("response: " << response.status << " " << response.body);
  CHECK(response.status == status);
  CHECK(is_json(response));
  CHECK(response.error_code() == code);
  CHECK(has_error_message(response));
}

// A server with these --set settings, and patient_timeouts for the keys
// they do not set.
wsd_server start_with(std::vector<std::string> settings = {},
                      std::source_location where = std::source_location::current()) {
  for (auto const patient : patient_timeouts) {
    auto const key = patient.substr(0, patient.find('=') + 1);
    if (std::ranges::none_of(settings, [&](auto const& s) { return s.starts_with(key); }))
      settings.emplace_back(patient);
  }
  std::vector<std::string> args;
  for (auto& setting : settings) {
    args.emplace_back("--set");
    args.push_back(std::move(setting));
  }
  return wsd_server{{.args = std::move(args)}, where};
}

std::string get_health(std::string_view version = "HTTP/1.1", std::string_view extra = {}) {
  return "GET /health " + std::string{version} + "\r\nHost: 127.0.0.1\r\n" + std::string{extra} +
         "\r\n";
}

// The response to raw bytes, or nullopt if the server closed the connection
// without a complete one.
std::optional<http_response> answer_to(http_client& client, std::string_view bytes) {
  client.send_raw(bytes);
  try {
    return client.read_response();
  } catch (std::runtime_error const& closed) {
    MESSAGE("no response: " << std::string{closed.what()});
    return std::nullopt;
  }
}

std::vector<boost::json::object> access_log_lines(std::string const& out) {
  std::vector<boost::json::object> lines;
  std::istringstream stream{out};
  for (std::string line; std::getline(stream, line);) {
    boost::system::error_code ec;
    auto const value = boost::json::parse(line, ec);
    if (!ec && value.is_object() && value.as_object().contains("target")) {
      lines.push_back(value.as_object());
    }
  }
  return lines;
}

std::vector<boost::json::object> lines_for(std::string const& out, std::string_view target) {
  auto lines = access_log_lines(out);
  std::erase_if(lines, [&](boost::json::object const& line) {
    auto const* value = line.if_contains("target");
    return value == nullptr || !value->is_string() || value->as_string() != target;
  });
  return lines;
}

}  // namespace

TEST_SUITE("http server") {
  TEST_CASE("routing answers health, unknown routes and wrong methods with the SPEC's shapes") {
    auto server = start_with();
    http_client client{server.port()};

    SUBCASE("GET /health is 200 {\"status\":\"ok\"} as JSON") {
      auto const response = client.request("GET", "/health");
      CHECK(response.status == 200);
      CHECK(is_json(response));
      CHECK(response.json() == status_ok());
    }
    SUBCASE("an unknown path is 404 not_found") {
      check_error(client.request("GET", "/no/such/path"), 404, "not_found");
      check_error(client.request("GET", "/api/no-such-collection"), 404, "not_found");
    }
    SUBCASE("a known path with a wrong method is 405 method_not_allowed with Allow") {
      auto const response = client.request("DELETE", "/health");
      check_error(response, 405, "method_not_allowed");
      CHECK(response.header("Allow").find("GET") != std::string::npos);
    }
  }

  TEST_CASE("keep-alive serves several requests on one connection") {
    auto server = start_with();
    http_client client{server.port()};
    for (int i = 0; i < 3; ++i) {
      CAPTURE(i);
      auto const response = client.request("GET", "/health");
      CHECK(response.status == 200);
      CHECK(response.header("Connection") != "close");
      CHECK(client.is_open());
    }
  }

  TEST_CASE("pipelined requests are answered in order") {
    auto server = start_with();
    http_client client{server.port()};
    client.send_raw(get_health() + "GET /pipelined-missing HTTP/1.1\r\nHost: x\r\n\r\n" +
                    get_health());
    CHECK(client.read_response().status == 200);
    CHECK(client.read_response().status == 404);
    auto const last = client.read_response();
    CHECK(last.status == 200);
    CHECK(last.json() == status_ok());
  }

  TEST_CASE("HTTP/1.0 requests are answered") {
    auto server = start_with();
    http_client client{server.port()};

    SUBCASE("and the connection closed without keep-alive") {
      client.send_raw("GET /health HTTP/1.0\r\n\r\n");
      auto const response = client.read_response();
      CHECK(response.status == 200);
      CHECK(response.json() == status_ok());
      CHECK(client.wait_closed(close_deadline));
    }
    SUBCASE("and the connection kept with Connection: keep-alive") {
      client.send_raw(get_health("HTTP/1.0", "Connection: keep-alive\r\n"));
      CHECK(client.read_response().status == 200);
      client.send_raw(get_health("HTTP/1.0", "Connection: keep-alive\r\n"));
      CHECK(client.read_response().status == 200);
    }
  }

  TEST_CASE("every response carries an X-Request-Id, the client's own when it is usable") {
    wsd_server server;
    http_client client{server.port()};
    SUBCASE("a valid one is echoed") {
      auto const id = std::string("trace 42 ~!") + std::string(117, 'x');
      CHECK(client.request("GET", "/health", {}, {{"X-Request-Id", id}}).header("X-Request-Id") ==
            id);
    }
    SUBCASE("none, an empty or an oversized one gets a fresh id each time") {
      auto const a = client.request("GET", "/health").header("X-Request-Id");
      auto const b = client.request("GET", "/no/such/path").header("X-Request-Id");
      auto const c = client.request("GET", "/health", {}, {{"X-Request-Id", std::string(129, 'x')}})
                         .header("X-Request-Id");
      CHECK(!a.empty());
      CHECK(!b.empty());
      CHECK(a != b);
      CHECK(c.size() < 129);
      CHECK(!c.empty());
    }
    SUBCASE("an error written by the session has one too") {
      auto const response = answer_to(client, "NOT A REQUEST\r\n\r\n");
      REQUIRE(response.has_value());
      CHECK(response->status == 400);
      CHECK(!response->header("X-Request-Id").empty());
    }
  }

  TEST_CASE("header limits answer 431 headers_too_large") {
    SUBCASE("header bytes over server.max_header_bytes") {
      auto server = start_with({"server.max_header_bytes=1024"});
      http_client client{server.port()};
      CHECK(client.request("GET", "/health", {}, {{"X-Small", std::string(100, 'a')}}).status ==
            200);
      auto const response =
          answer_to(client, get_health("HTTP/1.1", "X-Filler: " + std::string(2048, 'a') + "\r\n"));
      REQUIRE(response.has_value());
      check_error(*response, 431, "headers_too_large");
    }
    SUBCASE("more than 100 header fields") {
      auto server = start_with();
      http_client client{server.port()};
      std::string fields;
      for (int i = 0; i < 101; ++i) fields += "X-F" + std::to_string(i) + ": 1\r\n";
      auto const response = answer_to(client, get_health("HTTP/1.1", fields));
      REQUIRE(response.has_value());
      check_error(*response, 431, "headers_too_large");
    }
  }

  TEST_CASE("a body over server.max_body_bytes is 413 payload_too_large and closes") {
    auto server = start_with({"server.max_body_bytes=1000"});
    http_client client{server.port()};
    std::string const head = R"({"username":"admin","password":")";
    std::string const tail = R"("})";
    auto const body = head + std::string(2000 - head.size() - tail.size(), 'x') + tail;
    auto const response = client.request("POST", "/api/auth/login", body);
    check_error(response, 413, "payload_too_large");
    CHECK(client.wait_closed(close_deadline));
  }

  TEST_CASE("ambiguous message framing is rejected with 400 and a close") {
    auto server = start_with();
    http_client client{server.port()};
    std::string const login_head =
        "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    std::string const chunked_body = "2\r\n{}\r\n0\r\n\r\n";

    SUBCASE("a transfer coding other than chunked alone") {
      auto const response =
          answer_to(client, login_head + "Transfer-Encoding: gzip, chunked\r\n\r\n" + chunked_body);
      REQUIRE(response.has_value());
      CHECK(response->status == 400);
      CHECK(client.wait_closed(close_deadline));
    }
    SUBCASE("chunked not the last transfer coding") {
      auto const response =
          answer_to(client, login_head + "Transfer-Encoding: chunked, gzip\r\n\r\n" + chunked_body);
      REQUIRE(response.has_value());
      CHECK(response->status == 400);
      CHECK(client.wait_closed(close_deadline));
    }
    SUBCASE("chunked on HTTP/1.0") {
      auto const response = answer_to(client,
                                      "POST /api/auth/login HTTP/1.0\r\nContent-Type: "
                                      "application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                          chunked_body);
      REQUIRE(response.has_value());
      CHECK(response->status == 400);
      CHECK(client.wait_closed(close_deadline));
    }
    SUBCASE("both Content-Length and Transfer-Encoding") {
      auto const response =
          answer_to(client, login_head + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                chunked_body);
      REQUIRE(response.has_value());
      CHECK(response->status == 400);
      CHECK(client.wait_closed(close_deadline));
    }
  }

  TEST_CASE("slow and idle connections are closed by the server") {
    SUBCASE("a request line that never completes, after server.header_timeout_ms") {
      auto server = start_with({"server.header_timeout_ms=300"});
      http_client client{server.port()};
      client.send_raw("GET /hea");
      CHECK(client.wait_closed(close_deadline));
    }
    SUBCASE("an idle keep-alive connection, after server.idle_timeout_ms") {
      auto server = start_with({"server.idle_timeout_ms=300"});
      http_client client{server.port()};
      CHECK(client.request("GET", "/health").status == 200);
      CHECK(client.wait_closed(close_deadline));
    }
  }

  TEST_CASE("server.max_connections closes connections over the limit") {
    auto server = start_with({"server.max_connections=2"});
    std::optional<http_client> first{server.port()};
    http_client second{server.port()};
    CHECK(first->request("GET", "/health").status == 200);
    CHECK(second.request("GET", "/health").status == 200);

    http_client third{server.port()};
    third.send_raw(get_health());
    CHECK(third.wait_closed(close_deadline));

    CHECK(first->request("GET", "/health").status == 200);
    CHECK(second.request("GET", "/health").status == 200);

    // Closing one frees its slot once the server notices.
    first.reset();
    auto const deadline = std::chrono::steady_clock::now() + close_deadline;
    bool served = false;
    while (!served && std::chrono::steady_clock::now() < deadline) {
      http_client next{server.port(), 1s};
      auto const response = answer_to(next, get_health());
      served = response && response->status == 200;
    }
    CHECK(served);
  }

  TEST_CASE("a stop signal ends the server with exit code 0 despite an idle connection") {
    int sig = SIGTERM;
    SUBCASE("SIGTERM") {
      sig = SIGTERM;
    }
    SUBCASE("SIGINT") {
      sig = SIGINT;
    }
    // A server that waited for the idle connection (or the drain timeout)
    // would outlast stop()'s 20 s grace and be killed: exit code 137.
    auto server = start_with({"server.drain_timeout_ms=300000"});
    http_client client{server.port()};
    CHECK(client.request("GET", "/health").status == 200);
    server.stop_expecting(0, sig);
  }

  TEST_CASE("the access log writes one JSON line per request to stdout") {
    SUBCASE("with its fields") {
      auto server = start_with();
      http_client client{server.port()};
      CHECK(client.request("GET", "/health", {}, {{"X-Request-Id", "probe-1"}}).status == 200);
      CHECK(client.request("GET", "/access-log-probe").status == 404);
      // Written while serving, not only flushed at exit.
      CHECK(server.wait_for_output("/access-log-probe", close_deadline));
      server.stop_expecting(0);
      auto const lines = lines_for(server.out(), "/access-log-probe");
      REQUIRE(lines.size() == 1);
      auto const& line = lines.front();
      for (auto const* key :
           {"time", "method", "target", "status", "bytes", "duration_us", "remote", "request_id"}) {
        CAPTURE(key);
        CHECK(line.contains(key));
      }
      CHECK(line.at("method") == "GET");
      CHECK(line.at("status") == 404);
      CHECK(line.at("time").is_string());
      CHECK(line.at("bytes").is_number());
      CHECK(line.at("duration_us").is_number());
      CHECK(line.at("remote").is_string());
      CHECK(std::string_view{line.at("remote").as_string()}.starts_with("127.0.0.1"));
      CHECK(lines_for(server.out(), "/health").size() == 1);
      CHECK(lines_for(server.out(), "/health").front().at("request_id") == "probe-1");
    }
    SUBCASE("and nothing with log.access=false") {
      auto server = start_with({"log.access=false"});
      http_client client{server.port()};
      CHECK(client.request("GET", "/access-log-probe").status == 404);
      server.stop_expecting(0);
      CHECK(lines_for(server.out(), "/access-log-probe").empty());
    }
  }

  TEST_CASE("strict parsing: what RFC 9112 forbids is a prompt 400, not a wait or a 200") {
    auto server = start_with();
    http_client client{server.port()};
    auto const bad = [&](std::string_view bytes) {
      auto const response = answer_to(client, bytes);
      REQUIRE(response.has_value());
      check_error(*response, 400, "bad_request");
    };
    std::string const login =
        "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";

    SUBCASE("obs-fold") {
      bad("GET /health HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n");
    }
    SUBCASE("no Host on HTTP/1.1") {
      bad("GET /health HTTP/1.1\r\n\r\n");
    }
    SUBCASE("two Host fields") {
      bad("GET /health HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n");
    }
    SUBCASE("a Host with userinfo") {
      bad("GET /health HTTP/1.1\r\nHost: u@x\r\n\r\n");
    }
    SUBCASE("* outside OPTIONS") {
      bad("GET * HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    SUBCASE("raw non-ASCII in the target") {
      bad("GET /h\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    SUBCASE("an empty Transfer-Encoding") {
      bad(login + "Transfer-Encoding:\r\nContent-Length: 2\r\n\r\n{}");
    }
    // The servers here wait 300 s for a header section: an answer proves
    // these are refused as they arrive, not cut off by a timeout.
    SUBCASE("a header section with bare LFs") {
      bad("GET /health HTTP/1.1\nHost: x\n\n");
    }
    SUBCASE("a last chunk and trailer ended by bare LFs") {
      bad(login + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\n\n");
    }
    SUBCASE("no 100 Continue for an HTTP/1.0 client") {
      client.send_raw(
          "POST /api/auth/login HTTP/1.0\r\nContent-Type: application/json\r\n"
          "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n");
      client.send_raw("{}");
      auto const response = client.read_response();
      CHECK(response.status == 422);  // the final answer first: an empty login
    }
    CHECK(http_client{server.port()}.request("GET", "/health").status == 200);
  }
}
