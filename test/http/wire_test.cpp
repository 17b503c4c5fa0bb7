#include "wsd/http/wire.hpp"

#include <doctest/doctest.h>

using namespace wsd::http;

namespace {

// The head without its Date line, which changes every second.
std::string head_of(response const& res, unsigned version, bool keep_alive) {
  std::string out;
  write_head(out, res, version, keep_alive);
  auto const date = out.find("Date: ");
  REQUIRE(date != std::string::npos);
  out.erase(date, out.find("\r\n", date) + 2 - date);
  return out;
}

}  // namespace

TEST_SUITE("http wire") {
  TEST_CASE("write_head: a JSON body on a keep-alive HTTP/1.1 connection") {
    auto res = json_response(200, R"({"a":1})");
    res.set("ETag", "\"x\"");
    CHECK(head_of(res, 11, true) ==
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n"
          "ETag: \"x\"\r\n\r\n");
  }

  TEST_CASE("write_head: closing, HTTP/1.0 keep-alive, bodiless statuses") {
    CHECK(head_of(json_response(404, "{}"), 11, false) ==
          "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: "
          "2\r\nConnection: close\r\n\r\n");
    CHECK(head_of(empty_response(204), 10, true) ==
          "HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n");
    CHECK(head_of(empty_response(304), 11, true) == "HTTP/1.1 304 Not Modified\r\n\r\n");
  }

  TEST_CASE("date_header is an IMF-fixdate line") {
    auto const d = date_header();
    CHECK(d.starts_with("Date: "));
    CHECK(d.ends_with(" GMT\r\n"));
    CHECK(d.size() == std::string_view("Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n").size());
  }

  TEST_CASE("has_body, iequals, trim_ows") {
    CHECK(has_body(200));
    CHECK(has_body(201));
    CHECK_FALSE(has_body(204));
    CHECK_FALSE(has_body(304));
    CHECK_FALSE(has_body(100));
    CHECK(iequals("Chunked", "chunked"));
    CHECK_FALSE(iequals("chunked", "chunked "));
    CHECK(trim_ows(" \tchunked\t ") == "chunked");
    CHECK(trim_ows(" \t ").empty());
  }
}
