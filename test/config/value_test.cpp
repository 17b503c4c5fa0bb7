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
using wsd::config::text_list;
using wsd::config::value_kind;

std::optional<raw_value> list_text(std::string_view text) {
  return from_text(value_kind::list, text);
}

std::optional<raw_value> list_json(std::string_view json) {
  return from_json(value_kind::list, boost::json::parse(json));
}

raw_value list(text_list entries) {
  return raw_value{std::move(entries)};
}

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

  TEST_CASE("list values from text: a JSON array or comma-separated entries") {
    CHECK(list_text("a,b") == list({"a", "b"}));
    CHECK(list_text(" a , b ") == list({"a", "b"}));
    CHECK(list_text("a") == list({"a"}));
    CHECK(list_text("") == list({}));
    CHECK(list_text("  ") == list({}));
    CHECK(list_text(R"(["a", "b,c"])") == list({"a", "b,c"}));
    CHECK(list_text(R"( ["a"] )") == list({"a"}));
    CHECK(list_text("[]") == list({}));
    for (auto const* text : {"a,", ",a", "a,,b", " , ", "[a]", "[\"a\"", "[\"a\"] x", "[1]",
                             "[null]", "[[\"a\"]]", "[\"a\",]"}) {
      CHECK_FALSE_MESSAGE(list_text(text).has_value(), text);
    }
  }

  TEST_CASE("list values from JSON: an array of strings") {
    CHECK(list_json(R"(["a", "b"])") == list({"a", "b"}));
    CHECK(list_json("[]") == list({}));
    // Entries are taken as written; the key decides what they may hold.
    CHECK(list_json(R"([" a", ""])") == list({" a", ""}));
    for (auto const* json : {"\"a,b\"", "[1]", "[true]", "[null]", "[[]]", "{}", "null"}) {
      CHECK_FALSE_MESSAGE(list_json(json).has_value(), json);
    }
  }

  TEST_CASE("values to JSON read back as the same values") {
    std::pair<value_kind, raw_value> const values[] = {{value_kind::integer, std::uint64_t{5}},
                                                       {value_kind::boolean, true},
                                                       {value_kind::text, std::string{"text"}},
                                                       {value_kind::list, list({"a", "b"})},
                                                       {value_kind::list, list({})}};
    for (auto const& [kind, value] : values) {
      CHECK(from_json(kind, wsd::config::to_json_value(value)) == value);
    }
    CHECK(wsd::config::to_json_value(list({"a"})) == boost::json::parse(R"(["a"])"));
    CHECK(wsd::config::to_json_value(raw_value{std::uint64_t{18446744073709551615U}}).is_uint64());
  }
}
