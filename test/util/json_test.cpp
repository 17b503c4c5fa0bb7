#include "wsd/util/json.hpp"

#include <string>

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

using namespace wsd::util;

namespace {

std::string nested(std::size_t depth) {
  return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}

bool rejected(std::string_view body) {
  auto const r = parse_json_object(body);
  if (r) return false;
  CHECK(r.error().code == wsd::core::errc::bad_request);
  CHECK_FALSE(r.error().message.empty());
  return true;
}

}  // namespace

TEST_SUITE("util json") {
  TEST_CASE("parse_json_object accepts a JSON object") {
    auto const r = parse_json_object(R"( {"name":"ws-1","port":80,"tags":["a"],"x":null} )");
    REQUIRE(r.has_value());
    CHECK(r->at("name").as_string() == "ws-1");
    CHECK(r->at("port").as_int64() == 80);
    CHECK(r->at("tags").as_array().size() == 1);
    CHECK(parse_json_object("{}").has_value());
    CHECK(parse_json_object(R"({"k":"\u00e9\ud83d\ude00 ok"})").has_value());
    CHECK(parse_json_object(R"({"big":1e308,"neg":-1e308,"tiny":1e-400})").has_value());
  }

  TEST_CASE("parse_json_object rejects what is not one JSON object") {
    CHECK(rejected(""));
    CHECK(rejected("   "));
    CHECK(rejected("[]"));
    CHECK(rejected("\"x\""));
    CHECK(rejected("42"));
    CHECK(rejected("null"));
    CHECK(rejected("{} x"));
    CHECK(rejected("{}{}"));
    CHECK(rejected("{\"a\":1"));
    CHECK(rejected("{\"a\":1,}"));
    CHECK(rejected("{'a':1}"));
    CHECK(rejected("{\"a\":1} // comment"));
    CHECK(rejected("{\"a\":NaN}"));
    CHECK(rejected("{\"a\":Infinity}"));
  }

  TEST_CASE("parse_json_object rejects a key twice in one object") {
    CHECK(rejected(R"({"name":"a","name":"b"})"));
    CHECK(rejected(R"({"a":{"x":1,"y":2,"x":3}})"));
    CHECK(rejected(R"({"a":[{"k":1},{"k":2,"k":3}]})"));
    // Escapes spell the same key.
    CHECK(rejected(R"({"name":1,"n\u0061me":2})"));
    auto const r = parse_json_object(R"({"name":"a","name":"b"})");
    REQUIRE(r.has_error());
    CHECK(r.error().message.find("\"name\"") != std::string::npos);
    // The same key in different objects is fine.
    CHECK(parse_json_object(R"({"a":{"k":1},"b":{"k":2},"k":[{"k":3},{"k":4}]})").has_value());
  }

  TEST_CASE("parse_json_object rejects invalid UTF-8") {
    CHECK(rejected("{\"a\":\"\xff\"}"));
    CHECK(rejected("{\"\xff\":1}"));
    CHECK(rejected("{\"a\":\"\xc3\"}"));
    CHECK(rejected("{\"a\":\"\xed\xa0\x80\"}"));  // an encoded surrogate
    CHECK(rejected("{\"a\":\"\xc0\xaf\"}"));      // an overlong '/'
  }

  TEST_CASE("parse_json_object rejects non-finite numbers anywhere") {
    CHECK(rejected(R"({"a":1e400})"));
    CHECK(rejected(R"({"a":-1e400})"));
    CHECK(rejected(R"({"a":[1,{"b":[2e999]}]})"));
    auto const r = parse_json_object(R"({"a":1e400})");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("number") != std::string::npos);
  }

  TEST_CASE("parse_json_object limits nesting to 64 levels") {
    CHECK(parse_json_object(nested(64)).has_value());
    CHECK(rejected(nested(65)));
    auto const r = parse_json_object(nested(65));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("64") != std::string::npos);
  }

  TEST_CASE("parse_json_object survives hostile nesting") {
    CHECK(rejected(std::string(100000, '[')));
    CHECK(rejected("{\"a\":" + std::string(100000, '[')));
    CHECK(rejected("{\"a\":" + std::string(100000, '{')));
  }

  TEST_CASE("append_json_string escapes what JSON requires") {
    auto const quoted = [](std::string_view s) {
      std::string out = "x";
      append_json_string(out, s);
      return out;
    };
    CHECK(quoted("") == "x\"\"");
    CHECK(quoted("plain") == "x\"plain\"");
    CHECK(quoted("a\"b\\c") == R"(x"a\"b\\c")");
    CHECK(quoted("\n\r\t\b\f") == R"(x"\n\r\t\b\f")");
    CHECK(quoted(std::string_view("\x01\x1f\0", 3)) == R"(x"\u0001\u001f\u0000")");
    CHECK(quoted("caf\xc3\xa9 /") == "x\"caf\xc3\xa9 /\"");
    std::string const tricky = "q\"\\\x7f\x02\xe2\x80\xa8 end";
    std::string out;
    append_json_string(out, tricky);
    CHECK(boost::json::parse(out).as_string() == tricky);
  }
}
