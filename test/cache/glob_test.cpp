#include "wsd/cache/glob.hpp"

#include <chrono>
#include <string>

#include <doctest/doctest.h>

using wsd::cache::glob_match;
using wsd::cache::validate_pattern;

TEST_SUITE("glob") {
  TEST_CASE("literal patterns match only themselves") {
    CHECK(glob_match("workstations:item:17", "workstations:item:17"));
    CHECK_FALSE(glob_match("workstations:item:17", "workstations:item:170"));
    CHECK_FALSE(glob_match("workstations:item:17", "workstations:item:1"));
    CHECK_FALSE(glob_match("Workstations:item:17", "workstations:item:17"));
    SUBCASE("the colon is an ordinary character") {
      CHECK(glob_match("a:b", "a:b"));
      CHECK_FALSE(glob_match("a:b", "a;b"));
      CHECK_FALSE(glob_match("a:b", "ab"));
    }
  }

  TEST_CASE("empty pattern and empty text") {
    CHECK(glob_match("", ""));
    CHECK_FALSE(glob_match("", "a"));
    CHECK_FALSE(glob_match("a", ""));
    CHECK_FALSE(glob_match("?", ""));
    CHECK(glob_match("*", ""));
    CHECK(glob_match("***", ""));
  }

  TEST_CASE("star matches any run, including an empty one") {
    CHECK(glob_match("*", "anything at all"));
    CHECK(glob_match("workstations:*", "workstations:item:1"));
    CHECK(glob_match("workstations:*", "workstations:"));
    CHECK_FALSE(glob_match("workstations:*", "workstations"));
    CHECK(glob_match("workstations:list:*", "workstations:list:limit=5&status=online"));
    CHECK_FALSE(glob_match("workstations:list:*", "workstations:item:5"));
    CHECK(glob_match("*:item:*", "workstations:item:42"));
    CHECK(glob_match("*17", "workstations:item:17"));
    CHECK_FALSE(glob_match("*17", "workstations:item:171"));
    CHECK(glob_match("a*b*c", "abc"));
    CHECK(glob_match("a*b*c", "a-b-b-c"));
    CHECK_FALSE(glob_match("a*b*c", "a-c-b"));
    CHECK(glob_match("a**b", "ab"));
  }

  TEST_CASE("question mark matches exactly one character") {
    CHECK(glob_match("workstations:item:?", "workstations:item:7"));
    CHECK_FALSE(glob_match("workstations:item:?", "workstations:item:17"));
    CHECK_FALSE(glob_match("workstations:item:?", "workstations:item:"));
    CHECK(glob_match("??", "ab"));
    CHECK(glob_match("?*", "a"));
    CHECK_FALSE(glob_match("?*", ""));
    CHECK(glob_match("*?", "ab"));
  }

  TEST_CASE("wildcards in the text are literal characters") {
    CHECK(glob_match("a*", "a*"));
    CHECK_FALSE(glob_match("a?", "a"));
    CHECK_FALSE(glob_match("ab", "a*"));
  }

  TEST_CASE("pathological patterns finish quickly") {
    // A backtracking matcher takes exponential time on these.
    std::string pattern;
    for (int i = 0; i < 100; ++i) pattern += "a*";
    pattern += "b";
    std::string const text(10'000, 'a');
    auto const start = std::chrono::steady_clock::now();
    CHECK_FALSE(glob_match(pattern, text));
    CHECK(glob_match(pattern, text + "b"));
    CHECK_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*b", text));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  }

  TEST_CASE("validate_pattern") {
    SUBCASE("accepts printable patterns up to 256 bytes") {
      CHECK(validate_pattern("workstations:*").has_value());
      CHECK(validate_pattern(" ~").has_value());
      CHECK(validate_pattern(std::string(256, '*')).has_value());
    }
    SUBCASE("rejects empty") {
      auto const r = validate_pattern("");
      REQUIRE(r.has_error());
      CHECK(r.error().find("empty") != std::string::npos);
    }
    SUBCASE("rejects oversized") {
      auto const r = validate_pattern(std::string(257, 'a'));
      REQUIRE(r.has_error());
      CHECK(r.error().find("256") != std::string::npos);
    }
    SUBCASE("rejects control, DEL and non-ASCII bytes") {
      CHECK(validate_pattern("a\tb").has_error());
      CHECK(validate_pattern("a\nb").has_error());
      CHECK(validate_pattern(std::string("a\0b", 3)).has_error());
      CHECK(validate_pattern("a\x7f").has_error());
      CHECK(validate_pattern("caf\xc3\xa9").has_error());
    }
  }
}
