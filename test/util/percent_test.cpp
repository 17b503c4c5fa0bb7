#include "wsd/util/percent.hpp"

#include <doctest/doctest.h>

using wsd::util::percent_decode;
using wsd::util::query_param;

TEST_SUITE("util percent") {
  TEST_CASE("percent_decode") {
    std::string storage;
    CHECK(percent_decode("plain", storage) == "plain");
    CHECK(percent_decode("a%2Ab+c", storage) == "a*b c");
    CHECK(percent_decode("%41%6a", storage) == "Aj");
    CHECK_FALSE(percent_decode("%4", storage));
    CHECK_FALSE(percent_decode("%zz", storage));
  }

  TEST_CASE("query_param finds decoded values") {
    CHECK(query_param("pattern=workstations:list:*", "pattern") == "workstations:list:*");
    CHECK(query_param("a=1&pattern=x%2Ay&b", "pattern") == "x*y");
    CHECK(query_param("a=1&b", "b") == "");
    CHECK(query_param("p%61ttern=v", "pattern") == "v");
    CHECK(query_param("username=a+b&password=p%26w", "password") == "p&w");
    CHECK_FALSE(query_param("", "pattern"));
    CHECK_FALSE(query_param("other=1", "pattern"));
    CHECK_FALSE(query_param("pattern=%zz", "pattern"));
  }

  TEST_CASE("query_param stays inside its view") {
    std::string const buffer = "pattern=abcXXXX";
    CHECK(query_param(std::string_view(buffer.data(), 11), "pattern") == "abc");
  }
}
