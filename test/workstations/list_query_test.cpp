#include "wsd/workstations/list_query.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace wsd::workstations;

namespace {

std::string key_of(std::string_view query) {
  auto const r = parse_list_query(query);
  REQUIRE(r.has_value());
  return r->normalized();
}

std::vector<std::string> failed_fields(std::string_view query) {
  std::vector<std::string> fields;
  auto const r = parse_list_query(query);
  if (r.has_error())
    for (auto const& e : r.error()) fields.push_back(e.field);
  return fields;
}

using names = std::vector<std::string>;

}  // namespace

TEST_SUITE("list query") {
  TEST_CASE("defaults") {
    auto const r = parse_list_query("");
    REQUIRE(r.has_value());
    CHECK(*r == list_query{});
    CHECK(r->limit == 100);
    CHECK(r->offset == 0);
    CHECK_FALSE(r->state.has_value());
    CHECK_FALSE(r->tag.has_value());
    CHECK(r->normalized() == "limit=100&offset=0");
  }

  TEST_CASE("every parameter") {
    auto const r = parse_list_query("status=maintenance&tag=gpu&limit=5&offset=10");
    REQUIRE(r.has_value());
    CHECK(r->state == status::maintenance);
    CHECK(r->tag == "gpu");
    CHECK(r->limit == 5);
    CHECK(r->offset == 10);
    CHECK(r->normalized() == "limit=5&offset=10&status=maintenance&tag=gpu");
  }

  TEST_CASE("bounds") {
    CHECK(parse_list_query("limit=1")->limit == 1);
    CHECK(parse_list_query("limit=1000")->limit == 1000);
    CHECK(parse_list_query("offset=9007199254740992")->offset == 9007199254740992ULL);
    CHECK(parse_list_query("limit=0010")->limit == 10);
    CHECK(parse_list_query(std::string("tag=") + std::string(64, 't')).has_value());
  }

  TEST_CASE("one key per meaning") {
    auto const key = key_of("limit=5&status=online");
    CHECK(key == "limit=5&offset=0&status=online");
    CHECK(key_of("status=online&limit=5") == key);
    CHECK(key_of("status=online&limit=5&offset=0") == key);
    CHECK(key_of("offset=0&limit=05&status=online") == key);
    CHECK(key_of("&&status=online&&limit=5&") == key);
    CHECK(key_of("status=online&limit=5&unknown=1&x") == key);
    CHECK(key_of("sta%74us=onl%69ne&limit=5") == key);
    CHECK(key_of("limit=100") == key_of(""));
    CHECK(key_of("tag=gpu&status=error") == key_of("status=error&tag=gpu"));
  }

  TEST_CASE("different filters give different keys") {
    CHECK(key_of("status=online") != key_of("status=offline"));
    CHECK(key_of("status=online") != key_of(""));
    CHECK(key_of("tag=gpu") != key_of("tag=cpu"));
    CHECK(key_of("tag=gpu") != key_of("status=online"));
    CHECK(key_of("limit=5") != key_of("limit=6"));
    CHECK(key_of("offset=5") != key_of(""));
    CHECK(key_of("tag=a%26status%3Donline") != key_of("tag=a&status=online"));
  }

  TEST_CASE("tags are decoded and re-encoded in the key") {
    auto const r = parse_list_query("tag=rack+3%2Fa%26b");
    REQUIRE(r.has_value());
    CHECK(r->tag == "rack 3/a&b");
    CHECK(r->normalized() == "limit=100&offset=0&tag=rack%203%2Fa%26b");
    CHECK(key_of("tag=rack%203%2fa%26b") == r->normalized());
    CHECK(key_of("tag=x*y?") == "limit=100&offset=0&tag=x%2Ay%3F");
    CHECK(key_of("tag=caf%C3%A9") == "limit=100&offset=0&tag=caf%C3%A9");
  }

  TEST_CASE("invalid values are field errors") {
    CHECK(failed_fields("status=bogus") == names{"status"});
    CHECK(failed_fields("status=") == names{"status"});
    CHECK(failed_fields("status") == names{"status"});
    CHECK(failed_fields("status=Online") == names{"status"});
    for (std::string_view bad :
         {"limit=0", "limit=abc", "limit=1001", "limit=-1", "limit=+5", "limit=%2B5", "limit= 5",
          "limit=5.0", "limit=", "limit=99999999999999999999999"}) {
      CAPTURE(bad);
      CHECK(failed_fields(bad) == names{"limit"});
    }
    for (std::string_view bad :
         {"offset=-1", "offset=x", "offset=9007199254740993", "offset=", "offset=1e3"}) {
      CAPTURE(bad);
      CHECK(failed_fields(bad) == names{"offset"});
    }
    CHECK(failed_fields("tag=") == names{"tag"});
    CHECK(failed_fields(std::string("tag=") + std::string(65, 't')) == names{"tag"});
    CHECK(failed_fields("tag=%FF") == names{"tag"});
  }

  TEST_CASE("all errors are collected") {
    CHECK(failed_fields("status=bogus&tag=&limit=0&offset=-1") ==
          names{"status", "tag", "limit", "offset"});
    auto const r = parse_list_query("limit=0");
    REQUIRE(r.has_error());
    CHECK(r.error().front().message == "must be an integer between 1 and 1000");
  }

  TEST_CASE("repeated known parameters are an error, once") {
    CHECK(failed_fields("status=online&status=online") == names{"status"});
    CHECK(failed_fields("limit=5&limit=5&limit=5") == names{"limit"});
    CHECK(failed_fields("tag=a&%74ag=b") == names{"tag"});
    CHECK(parse_list_query("x=1&x=2").has_value());
  }

  TEST_CASE("bad percent-encoding") {
    CHECK(failed_fields("tag=%") == names{"tag"});
    CHECK(failed_fields("tag=%4") == names{"tag"});
    CHECK(failed_fields("tag=%zz") == names{"tag"});
    CHECK(failed_fields("status=%G0") == names{"status"});
    auto const r = parse_list_query("limit=%");
    REQUIRE(r.has_error());
    CHECK(r.error().front().message == "has invalid percent-encoding");
    SUBCASE("in an unknown or undecodable name it is ignored") {
      CHECK(parse_list_query("x=%zz").has_value());
      CHECK(parse_list_query("%zz=1&status=online")->state == status::online);
    }
  }
}
