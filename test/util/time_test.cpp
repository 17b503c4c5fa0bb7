#include "wsd/util/time.hpp"

#include <doctest/doctest.h>

using namespace std::chrono;
using wsd::util::format_rfc3339;
using wsd::util::parse_rfc3339;

namespace {
system_clock::time_point at(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}
}  // namespace

TEST_SUITE("time") {
  TEST_CASE("format_rfc3339 writes UTC with whole seconds") {
    CHECK(format_rfc3339(at(2026, 11, 24, 4, 30, 0)) == "2026-11-24T04:30:00Z");
    CHECK(format_rfc3339(system_clock::time_point{}) == "1970-01-01T00:00:00Z");
    CHECK(format_rfc3339(at(2024, 2, 29, 23, 59, 59) + milliseconds{999}) ==
          "2024-02-29T23:59:59Z");
    CHECK(format_rfc3339(at(1969, 12, 31, 23, 59, 59) + milliseconds{500}) ==
          "1969-12-31T23:59:59Z");
  }

  TEST_CASE("parse_rfc3339 round-trips format_rfc3339") {
    for (auto const t : {at(2026, 11, 24, 4, 30, 0), at(2000, 1, 1, 0, 0, 0),
                         at(2099, 12, 31, 23, 59, 59), system_clock::time_point{}}) {
      auto const text = format_rfc3339(t);
      auto const back = parse_rfc3339(text);
      REQUIRE(back.has_value());
      CHECK(*back == t);
      CHECK(format_rfc3339(*back) == text);
    }
  }

  TEST_CASE("parse_rfc3339 accepts the other RFC 3339 forms") {
    auto const t = at(2026, 11, 24, 4, 30, 0);
    CHECK(parse_rfc3339("2026-11-24t04:30:00z") == t);
    CHECK(parse_rfc3339("2026-11-24 04:30:00Z") == t);
    CHECK(parse_rfc3339("2026-11-24T06:30:00+02:00") == t);
    CHECK(parse_rfc3339("2026-11-23T23:00:00-05:30") == t);
    CHECK(parse_rfc3339("2026-11-24T04:30:00.250Z") == t + milliseconds{250});
    CHECK(parse_rfc3339("2026-11-24T04:30:00.1234567890123Z") ==
          t + duration_cast<system_clock::duration>(nanoseconds{123456789}));
  }

  TEST_CASE("parse_rfc3339 rejects malformed or out-of-range text") {
    for (std::string_view bad :
         {"", "2026-11-24", "2026-11-24T04:30:00", "2026-11-24T04:30Z", "2026-13-01T00:00:00Z",
          "2026-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-24T24:00:00Z",
          "2026-11-24T04:60:00Z", "2026-11-24T04:30:60Z", "2026-11-24T04:30:00.Z",
          "2026-11-24T04:30:00Zx", "2026-11-24T04:30:00+0200", "2026-11-24T04:30:00+24:00",
          "26-11-24T04:30:00Z", "2026/11/24T04:30:00Z", "2026-11-24X04:30:00Z",
          "2026-1a-24T04:30:00Z", " 2026-11-24T04:30:00Z"}) {
      CAPTURE(bad);
      CHECK_FALSE(parse_rfc3339(bad).has_value());
    }
  }
}
