#include "wsd/http/accept_encoding.hpp"

#include <doctest/doctest.h>

using wsd::http::choose_encoding;
using wsd::http::parse_qvalue;
using wsd::util::encoding;

TEST_SUITE("accept encoding") {
  TEST_CASE("qvalues are 0..1 with at most three decimals") {
    CHECK(parse_qvalue("1") == 1000U);
    CHECK(parse_qvalue("1.0") == 1000U);
    CHECK(parse_qvalue("1.000") == 1000U);
    CHECK(parse_qvalue("0") == 0U);
    CHECK(parse_qvalue("0.5") == 500U);
    CHECK(parse_qvalue("0.05") == 50U);
    CHECK(parse_qvalue("0.001") == 1U);
    CHECK(parse_qvalue("0.") == 0U);
    for (auto const* bad : {"", "2", "1.5", "1.001", "0.0001", "-1", ".5", "0,5", "0.5x", "q"}) {
      CAPTURE(bad);
      CHECK_FALSE(parse_qvalue(bad).has_value());
    }
  }

  TEST_CASE("nothing acceptable but identity gives identity") {
    CHECK(choose_encoding("") == encoding::identity);
    CHECK(choose_encoding("identity") == encoding::identity);
    CHECK(choose_encoding("deflate, compress") == encoding::identity);
    CHECK(choose_encoding("gzip;q=0, br;q=0") == encoding::identity);
    CHECK(choose_encoding("*;q=0") == encoding::identity);
    CHECK(choose_encoding("*;q=0, identity;q=0") == encoding::identity);  // nothing left
  }

  TEST_CASE("br is preferred on a tie, then gzip, then identity") {
    CHECK(choose_encoding("gzip") == encoding::gzip);
    CHECK(choose_encoding("br") == encoding::br);
    CHECK(choose_encoding("gzip, deflate, br") == encoding::br);
    CHECK(choose_encoding("gzip, deflate, br, zstd") == encoding::br);
    CHECK(choose_encoding("GZIP") == encoding::gzip);
    CHECK(choose_encoding("x-gzip") == encoding::gzip);
    CHECK(choose_encoding(" br ;q=1 , gzip") == encoding::br);
    CHECK(choose_encoding("gzip, identity") == encoding::gzip);
  }

  TEST_CASE("q-values order the codings") {
    CHECK(choose_encoding("gzip;q=1, br;q=0.9") == encoding::gzip);
    CHECK(choose_encoding("gzip;q=0.5, br;q=0.8") == encoding::br);
    CHECK(choose_encoding("br;q=0, gzip") == encoding::gzip);
    CHECK(choose_encoding("gzip;q=0.5") == encoding::gzip);  // identity unnamed: a fallback
    CHECK(choose_encoding("gzip;q=0.5, identity") == encoding::identity);
    CHECK(choose_encoding("gzip;Q=0.5, identity;q=0.4") == encoding::gzip);
    CHECK(choose_encoding("gzip;level=1;q=0.7") == encoding::gzip);
  }

  TEST_CASE("* stands for every coding not named") {
    CHECK(choose_encoding("*") == encoding::br);
    CHECK(choose_encoding("br;q=0, *") == encoding::gzip);
    CHECK(choose_encoding("gzip;q=0, *;q=0.5") == encoding::br);
    CHECK(choose_encoding("*;q=0, gzip") == encoding::gzip);
    CHECK(choose_encoding("*;q=0.3, identity") == encoding::identity);
  }

  TEST_CASE("without br, gzip or identity") {
    CHECK(choose_encoding("br, gzip", false) == encoding::gzip);
    CHECK(choose_encoding("br", false) == encoding::identity);
    CHECK(choose_encoding("*", false) == encoding::gzip);
    CHECK(choose_encoding("br;q=1, gzip;q=0.2", false) == encoding::gzip);
    CHECK(choose_encoding("gzip;q=0.2, identity", false) == encoding::identity);
  }

  TEST_CASE("malformed elements are ignored") {
    CHECK(choose_encoding("br;q=2, gzip") == encoding::gzip);
    CHECK(choose_encoding("br;q=, gzip;q=0.1") == encoding::gzip);
    CHECK(choose_encoding(",,; ,gzip") == encoding::gzip);
    CHECK(choose_encoding("gzip;q=abc") == encoding::identity);
  }
}
