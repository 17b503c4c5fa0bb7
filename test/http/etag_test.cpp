#include "wsd/http/etag.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace wsd::http;

TEST_SUITE("etag") {
  TEST_CASE("hash64 is the reference XXH64 with seed 0") {
    CHECK(hash64("") == 0xEF46DB3751D8E999ULL);
    CHECK(hash64("a") == 0xD24EC4F1A98C6E5BULL);
    CHECK(hash64("abc") == 0x44BC2CF5AD770999ULL);
    CHECK(hash64(R"({"id":1})") == 0xB7885EE991DFE823ULL);
    CHECK(hash64("The quick brown fox jumps over the lazy dog") == 0x0B242D361FDA71BCULL);
    std::string long_input;
    for (int round = 0; round < 3; ++round)
      for (int b = 0; b < 256; ++b) long_input.push_back(static_cast<char>(b));
    long_input += "xyz";
    CHECK(hash64(long_input) == 0xE921A1B45BD779F8ULL);
  }

  TEST_CASE("make_etag is a quoted 16-hex-digit strong tag that follows the content") {
    auto const tag = make_etag(R"({"id":1})");
    CHECK(tag == "\"b7885ee991dfe823\"");
    CHECK(make_etag("") == "\"ef46db3751d8e999\"");
    CHECK(make_etag(R"({"id":1})") == tag);
    CHECK(make_etag(R"({"id":2})") != tag);
  }

  TEST_CASE("none_match") {
    std::string const etag = "\"0123456789abcdef\"";
    SUBCASE("exact tag and star match") {
      CHECK(none_match("\"0123456789abcdef\"", etag));
      CHECK(none_match("*", etag));
      CHECK(none_match(" * ", etag));
    }
    SUBCASE("a list matches when any member does") {
      CHECK(none_match("\"aaaa\", \"0123456789abcdef\"", etag));
      CHECK(none_match("\"aaaa\",\"0123456789abcdef\",\"bbbb\"", etag));
      CHECK(none_match("\"a,b\" ,\t\"0123456789abcdef\"", etag));
      CHECK_FALSE(none_match("\"aaaa\", \"bbbb\"", etag));
    }
    SUBCASE("weak comparison ignores W/") {
      CHECK(none_match("W/\"0123456789abcdef\"", etag));
      CHECK(none_match("\"x\", W/\"0123456789abcdef\"", etag));
      CHECK(none_match("\"0123456789abcdef\"", "W/\"0123456789abcdef\""));
    }
    SUBCASE("no match") {
      CHECK_FALSE(none_match("", etag));
      CHECK_FALSE(none_match("\"0123456789abcdee\"", etag));
      CHECK_FALSE(none_match("0123456789abcdef", etag));
      CHECK_FALSE(none_match("\"0123456789abcdef", etag));
      CHECK_FALSE(none_match("w/\"0123456789abcdef\"", etag));
    }
    SUBCASE("malformed members are skipped") {
      CHECK(none_match("garbage, \"0123456789abcdef\"", etag));
      CHECK(none_match("W/, ,,\"0123456789abcdef\"", etag));
    }
  }

  TEST_CASE("if_match_ok") {
    std::string const etag = "\"0123456789abcdef\"";
    CHECK(if_match_ok("", etag));
    CHECK(if_match_ok("  ", etag));
    CHECK(if_match_ok("*", etag));
    CHECK(if_match_ok("\"0123456789abcdef\"", etag));
    CHECK(if_match_ok("\"old\", \"0123456789abcdef\"", etag));
    CHECK_FALSE(if_match_ok("\"old\"", etag));
    CHECK_FALSE(if_match_ok("\"old\", \"older\"", etag));
    CHECK_FALSE(if_match_ok("W/\"0123456789abcdef\"", etag));
    CHECK_FALSE(if_match_ok("\"0123456789abcdef\"", "W/\"0123456789abcdef\""));
    CHECK_FALSE(if_match_ok("0123456789abcdef", etag));
  }
}
