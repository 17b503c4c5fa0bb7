#include "wsd/http/strict.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace wsd::http;

namespace {

bool bad_head(std::string const& head) {
  auto const e = check_head(head);
  return e && e->code == wsd::core::errc::bad_request;
}

bool bad_host(std::vector<std::string_view> hosts, unsigned version = 11) {
  auto const e = check_host(hosts, version);
  return e && e->code == wsd::core::errc::bad_request;
}

}  // namespace

TEST_SUITE("http strict") {
  TEST_CASE("head_end finds the blank line") {
    CHECK(head_end("GET / HTTP/1.1\r\nHost: a\r\n\r\nrest") == 27);
    CHECK(head_end("GET / HTTP/1.1\r\nHost: a\r\n") == 0);
    CHECK(head_end("") == 0);
  }

  TEST_CASE("has_bare_lf finds a line not ended by CRLF") {
    CHECK_FALSE(has_bare_lf("0\r\n\r\n"));
    CHECK_FALSE(has_bare_lf("5;a=b\r\n"));
    CHECK_FALSE(has_bare_lf("\r"));
    CHECK(has_bare_lf("0\n\n"));
    CHECK(has_bare_lf("0\r\n\n"));
    CHECK(has_bare_lf("\n"));
    CHECK(has_bare_lf("GET / HTTP/1.1\nHost: a\r\n"));
  }

  TEST_CASE("check_head accepts an ordinary request") {
    CHECK_FALSE(check_head("GET /api/workstations?limit=5 HTTP/1.1\r\nHost: a\r\n\r\n"));
    CHECK_FALSE(check_head("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"));
    CHECK_FALSE(check_head("PATCH /api/workstations/1 HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n"));
  }

  TEST_CASE("check_head refuses obs-fold, odd targets and methods") {
    CHECK(bad_head("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"));
    CHECK(bad_head("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tTransfer-Encoding: chunked\r\n\r\n"));
    CHECK(bad_head("GET * HTTP/1.1\r\nHost: a\r\n\r\n"));
    CHECK(bad_head("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    CHECK(bad_head("GET http://example.com/ HTTP/1.1\r\nHost: a\r\n\r\n"));
    CHECK(bad_head("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"));
    CHECK(bad_head("GET /\xc0\xaf HTTP/1.1\r\nHost: a\r\n\r\n"));
    CHECK(bad_head(std::string(300, 'G') + " / HTTP/1.1\r\nHost: a\r\n\r\n"));
    CHECK(bad_head("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"));
    CHECK(bad_head("GET\r\n\r\n"));
  }

  TEST_CASE("check_host wants exactly one valid Host on HTTP/1.1") {
    CHECK_FALSE(check_host(std::vector<std::string_view>{"example.com"}, 11));
    CHECK_FALSE(check_host(std::vector<std::string_view>{"127.0.0.1:8080"}, 11));
    CHECK_FALSE(check_host(std::vector<std::string_view>{"[::1]:8080"}, 11));
    CHECK_FALSE(check_host(std::vector<std::string_view>{" localhost "}, 11));
    CHECK_FALSE(check_host(std::vector<std::string_view>{}, 10));
    CHECK(bad_host({}));
    CHECK(bad_host({"a", "a"}));
    CHECK(bad_host({"a", "b"}));
    CHECK(bad_host({"a, b"}));
    CHECK(bad_host({""}));
    CHECK(bad_host({"user@example.com"}));
    CHECK(bad_host({"example.com/path"}));
    CHECK(bad_host({"example.com:80x"}));
    CHECK(bad_host({"[::1"}));
  }
}
