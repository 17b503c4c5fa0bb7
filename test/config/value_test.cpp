#include "wsd/config/value.hpp"

#include <string>
#include <utility>

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "config/harness.hpp"

namespace {

using namespace wsd::config::test;
using wsd::config::from_json;
using wsd::config::from_text;
using wsd::config::raw_value;
using wsd::config::value_kind;

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("boolean forms") {
    for (auto const* yes : {"true", "1", "yes", "on", "TRUE", "On"}) {
      CHECK_MESSAGE(parsed({}, {{"WSD_METRICS_PUBLIC", yes}}).metrics.is_public, yes);
    }
    for (auto const* no : {"false", "0", "no", "off", "False"}) {
      CHECK_FALSE_MESSAGE(parsed({"--set", std::string{"cache.enabled="} + no}).cache.enabled, no);
    }
    for (auto const* junk : {"", "2", "y", "enabled", " true"}) {
      CHECK_MESSAGE(mentions(error_of(parse({}, {{"WSD_LOG_ACCESS", junk}})), "'log.access'"),
                    junk);
    }
  }

  TEST_CASE("integer values are unsigned decimal digits") {
    CHECK(from_text(value_kind::integer, "0042") == raw_value{std::uint64_t{42}});
    CHECK(from_text(value_kind::integer, "18446744073709551615") ==
          raw_value{std::uint64_t{18446744073709551615U}});
    for (auto const* text : {"", "-0", "+1", " 1", "1 ", "0x1", "1e3", "18446744073709551616"}) {
      CHECK_FALSE_MESSAGE(from_text(value_kind::integer, text).has_value(), text);
    }
    CHECK(from_json(value_kind::integer, boost::json::parse("7")) == raw_value{std::uint64_t{7}});
    for (auto const* json : {"-1", "1.0", "\"1\"", "true", "null", "1e400"}) {
      CHECK_FALSE_MESSAGE(from_json(value_kind::integer, boost::json::parse(json)).has_value(),
                          json);
    }
  }

  TEST_CASE("values to JSON read back as the same values") {
    std::pair<value_kind, raw_value> const values[] = {{value_kind::integer, std::uint64_t{5}},
                                                       {value_kind::boolean, true},
                                                       {value_kind::text, std::string{"text"}}};
    for (auto const& [kind, value] : values) {
      CHECK(from_json(kind, wsd::config::to_json_value(value)) == value);
    }
    CHECK(wsd::config::to_json_value(raw_value{std::uint64_t{18446744073709551615U}}).is_uint64());
  }
}
