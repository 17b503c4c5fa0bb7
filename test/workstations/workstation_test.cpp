#include "wsd/workstations/workstation.hpp"

#include <limits>
#include <string>

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

using namespace wsd::workstations;
using wsd::core::field_error;

namespace {

boost::json::object obj(std::string_view text) {
  return boost::json::parse(text).as_object();
}

// The fields named by a failed validation, in order.
template <class Result>
std::vector<std::string> failed_fields(Result const& r) {
  std::vector<std::string> fields;
  if (r.has_error())
    for (auto const& e : r.error()) fields.push_back(e.field);
  return fields;
}

std::vector<std::string> fields_of_new(std::string_view body) {
  return failed_fields(validate_new(obj(body)));
}

std::vector<std::string> fields_of_patch(std::string_view body) {
  return failed_fields(validate_patch(obj(body)));
}

using names = std::vector<std::string>;

std::vector<std::string> fields_with_host(std::string_view host) {
  return failed_fields(
      validate_new(boost::json::object{{"name", "ws"}, {"port", 22}, {"host", host}}));
}

workstation sample() {
  workstation w;
  w.id = 17;
  w.name = "ws-017";
  w.host = "10.0.0.17";
  w.port = 5985;
  w.state = status::online;
  w.tags = {"gpu", "rack-3"};
  w.version = 3;
  w.created_at = "2026-11-24T04:30:00Z";
  w.updated_at = "2026-11-24T05:00:00Z";
  return w;
}

}  // namespace

TEST_SUITE("workstation") {
  TEST_CASE("status names round-trip") {
    for (auto const s : {status::online, status::offline, status::maintenance, status::error})
      CHECK(parse_status(to_string(s)) == s);
    CHECK(to_string(status::maintenance) == "maintenance");
    CHECK_FALSE(parse_status("Online").has_value());
    CHECK_FALSE(parse_status("").has_value());
    CHECK_FALSE(parse_status("bogus").has_value());
  }

  TEST_CASE("validate_new accepts a full body and applies defaults") {
    SUBCASE("defaults") {
      auto const r = validate_new(obj(R"({"name":"ws-1","host":"10.0.0.1","port":22})"));
      REQUIRE(r.has_value());
      CHECK(*r == new_workstation{"ws-1", "10.0.0.1", 22, status::offline, "", {}});
    }
    SUBCASE("every field") {
      auto const r = validate_new(obj(R"({"name":"A.b_c-9","host":"ws1.lab.example.com",
          "port":65535,"status":"maintenance","description":"rack 3","tags":["gpu","x"]})"));
      REQUIRE(r.has_value());
      CHECK(*r == new_workstation{"A.b_c-9",
                                  "ws1.lab.example.com",
                                  65535,
                                  status::maintenance,
                                  "rack 3",
                                  {"gpu", "x"}});
    }
    SUBCASE("read-only fields are ignored") {
      auto const r = validate_new(obj(R"({"name":"ws","host":"h","port":1,"id":99,"version":7,
          "created_at":"x","updated_at":null})"));
      REQUIRE(r.has_value());
      CHECK(r->name == "ws");
    }
    SUBCASE("null description and tags mean the defaults") {
      auto const r =
          validate_new(obj(R"({"name":"ws","host":"h","port":1,"description":null,"tags":null})"));
      REQUIRE(r.has_value());
      CHECK(r->description.empty());
      CHECK(r->tags.empty());
    }
    SUBCASE("an integral double is an integer port") {
      auto const r = validate_new(obj(R"({"name":"ws","host":"h","port":8080.0})"));
      REQUIRE(r.has_value());
      CHECK(r->port == 8080);
    }
  }

  TEST_CASE("validate_new requires name, host and port") {
    CHECK(fields_of_new("{}") == names{"name", "host", "port"});
    auto const r = validate_new(obj("{}"));
    REQUIRE(r.has_error());
    CHECK(r.error().front() == field_error{"name", "is required"});
    CHECK(fields_of_new(R"({"name":"ws","port":1})") == names{"host"});
  }

  TEST_CASE("validate_new collects every error, one per field") {
    auto const r = validate_new(obj(R"({"name":"bad name!","host":"-bad-","port":0,
        "status":"bogus","description":7,"tags":"gpu","color":"red","size":1})"));
    CHECK(failed_fields(r) ==
          names{"name", "host", "port", "status", "description", "tags", "color", "size"});
    REQUIRE(r.has_error());
    CHECK(r.error()[6] == field_error{"color", "unknown field"});
  }

  TEST_CASE("validate_new: name") {
    CHECK(fields_of_new(R"({"name":"","host":"h","port":1})") == names{"name"});
    CHECK(fields_of_new(R"({"name":"a b","host":"h","port":1})") == names{"name"});
    CHECK(fields_of_new(R"({"name":"ws/1","host":"h","port":1})") == names{"name"});
    CHECK(fields_of_new(R"({"name":"caf\u00e9","host":"h","port":1})") == names{"name"});
    CHECK(fields_of_new(R"({"name":1,"host":"h","port":1})") == names{"name"});
    CHECK(fields_of_new(R"({"name":null,"host":"h","port":1})") == names{"name"});
    auto const null_name = validate_new(obj(R"({"name":null,"host":"h","port":1})"));
    REQUIRE(null_name.has_error());
    CHECK(null_name.error().front().message == "may not be null");
    auto const wrong_type = validate_new(obj(R"({"name":1,"host":"h","port":1})"));
    REQUIRE(wrong_type.has_error());
    CHECK(wrong_type.error().front() == field_error{"name", "must be a string"});
    CHECK(is_valid_name(std::string(64, 'a')));
    CHECK_FALSE(is_valid_name(std::string(65, 'a')));
  }

  TEST_CASE("validate_new: port") {
    for (std::string_view port : {"0", "65536", "-1", "80.5", "\"80\"", "true", "null", "[80]",
                                  "1e300", "18446744073709551615", "{}"}) {
      CAPTURE(port);
      boost::json::object body{{"name", "ws"}, {"host", "h"}, {"port", boost::json::parse(port)}};
      CHECK(failed_fields(validate_new(body)) == names{"port"});
    }
    for (double const odd :
         {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
      boost::json::object body{{"name", "ws"}, {"host", "h"}, {"port", odd}};
      CHECK(failed_fields(validate_new(body)) == names{"port"});
    }
    CHECK(fields_of_new(R"({"name":"ws","host":"h","port":1})").empty());
    CHECK(fields_of_new(R"({"name":"ws","host":"h","port":65535})").empty());
  }

  TEST_CASE("validate_new: host names") {
    auto const label63 = std::string(63, 'a');
    // 4 labels of 63 plus 3 dots = 255; trim to exactly 253 and 254.
    auto const long_name = label63 + "." + label63 + "." + label63 + "." + label63;
    auto const name253 = long_name.substr(0, 253);
    auto const name254 = long_name.substr(0, 252) + "ab";
    REQUIRE(name253.size() == 253);
    REQUIRE(name254.size() == 254);
    for (std::string const& good :
         {std::string("h"), std::string("localhost"), std::string("ws-1.lab.example.com"),
          std::string("A1.B2"), std::string("3com.net"), label63 + ".com", name253}) {
      CAPTURE(good);
      CHECK(is_valid_host(good));
      CHECK(fields_with_host(good).empty());
    }
    for (std::string const& bad :
         {std::string(""), std::string("-ws.lab"), std::string("ws-.lab"), std::string("ws..lab"),
          std::string(".ws"), std::string("ws.lab."), std::string("ws_1.lab"), std::string("ws 1"),
          std::string("ws.lab/x"), std::string("[::1]"), std::string("http://ws"),
          std::string("1.2.3.256"), std::string("1.2.3"), std::string("01.2.3.4"),
          std::string("12345"), std::string("h\xc3\xa9.com"), std::string("a:b"), label63 + "a.com",
          name254}) {
      CAPTURE(bad);
      CHECK_FALSE(is_valid_host(bad));
      CHECK(fields_with_host(bad) == names{"host"});
    }
  }

  TEST_CASE("validate_new: IP literals") {
    for (std::string_view good : {"10.0.0.17", "0.0.0.0", "255.255.255.255", "::1", "::", "fe80::1",
                                  "2001:db8::8a2e:370:7334",
                                  "2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:10.0.0.1"}) {
      CAPTURE(good);
      CHECK(is_valid_host(good));
    }
    for (std::string_view bad : {"256.1.1.1", "1.2.3.4.5", "2001:db8::1::2", ":::", "fe80::1%eth0",
                                 "1:2:3:4:5:6:7:8:9", "12345::", "::g"}) {
      CAPTURE(bad);
      CHECK_FALSE(is_valid_host(bad));
    }
  }

  TEST_CASE("validate_new: ip_address is an alias of host") {
    SUBCASE("alias alone") {
      auto const r = validate_new(obj(R"({"name":"ws","ip_address":"2001:db8::1","port":1})"));
      REQUIRE(r.has_value());
      CHECK(r->host == "2001:db8::1");
    }
    SUBCASE("both, equal") {
      auto const r =
          validate_new(obj(R"({"name":"ws","host":"10.0.0.1","ip_address":"10.0.0.1","port":1})"));
      REQUIRE(r.has_value());
      CHECK(r->host == "10.0.0.1");
    }
    SUBCASE("both, different") {
      auto const r =
          validate_new(obj(R"({"name":"ws","host":"10.0.0.1","ip_address":"10.0.0.2","port":1})"));
      CHECK(failed_fields(r) == names{"ip_address"});
    }
    SUBCASE("invalid alias is reported under its own name") {
      CHECK(fields_of_new(R"({"name":"ws","ip_address":"bad host","port":1})") ==
            names{"ip_address"});
      CHECK(fields_of_new(R"({"name":"ws","ip_address":null,"port":1})") == names{"ip_address"});
    }
  }

  TEST_CASE("validate_new: status") {
    CHECK(fields_of_new(R"({"name":"ws","host":"h","port":1,"status":"ONLINE"})") ==
          names{"status"});
    CHECK(fields_of_new(R"({"name":"ws","host":"h","port":1,"status":1})") == names{"status"});
    CHECK(fields_of_new(R"({"name":"ws","host":"h","port":1,"status":null})") == names{"status"});
    auto const r = validate_new(obj(R"({"name":"ws","host":"h","port":1,"status":"error"})"));
    REQUIRE(r.has_value());
    CHECK(r->state == status::error);
  }

  TEST_CASE("validate_new: description") {
    boost::json::object body{{"name", "ws"}, {"host", "h"}, {"port", 1}};
    body["description"] = std::string(1024, 'd');
    CHECK(validate_new(body).has_value());
    body["description"] = std::string(1025, 'd');
    CHECK(failed_fields(validate_new(body)) == names{"description"});
    body["description"] = [] {
      std::string s;
      for (int i = 0; i < 513; ++i) s += "\xc3\xa9";  // 513 code points, 1026 bytes
      return s;
    }();
    CHECK(failed_fields(validate_new(body)) == names{"description"});
    body["description"] = boost::json::array{};
    CHECK(failed_fields(validate_new(body)) == names{"description"});
  }

  TEST_CASE("validate_new: tags") {
    auto const with_tags = [](boost::json::value tags) {
      boost::json::object body{{"name", "ws"}, {"host", "h"}, {"port", 1}};
      body["tags"] = std::move(tags);
      return validate_new(body);
    };
    auto const many = [](std::size_t n) {
      boost::json::array a;
      for (std::size_t i = 0; i < n; ++i) a.emplace_back("t" + std::to_string(i));
      return a;
    };
    CHECK(with_tags(many(32)).has_value());
    CHECK(failed_fields(with_tags(many(33))) == names{"tags"});
    CHECK(with_tags(boost::json::array{std::string(64, 't')}).has_value());
    CHECK(failed_fields(with_tags(boost::json::array{std::string(65, 't')})) == names{"tags"});
    CHECK(failed_fields(with_tags(boost::json::array{""})) == names{"tags"});
    CHECK(failed_fields(with_tags(boost::json::array{"ok", 3})) == names{"tags"});
    CHECK(failed_fields(with_tags("gpu")) == names{"tags"});
    SUBCASE("64 characters, not bytes") {
      std::string tag;
      for (int i = 0; i < 64; ++i) tag += "\xc3\xa9";
      CHECK(with_tags(boost::json::array{tag}).has_value());
      tag += "\xc3\xa9";
      CHECK(failed_fields(with_tags(boost::json::array{tag})) == names{"tags"});
    }
    SUBCASE("duplicates are removed, first order kept") {
      auto const r = with_tags(boost::json::array{"b", "a", "b", "c", "a"});
      REQUIRE(r.has_value());
      CHECK(r->tags == std::vector<std::string>{"b", "a", "c"});
    }
    SUBCASE("the error names the bad element") {
      auto const r = with_tags(boost::json::array{"ok", ""});
      REQUIRE(r.has_error());
      CHECK(r.error().front().message.find("element 1") != std::string::npos);
    }
  }

  TEST_CASE("validate_patch") {
    SUBCASE("an empty patch is valid and empty") {
      auto const r = validate_patch(obj("{}"));
      REQUIRE(r.has_value());
      CHECK(r->empty());
    }
    SUBCASE("only sent fields are set") {
      auto const r = validate_patch(obj(R"({"status":"online","port":8080,"version":5})"));
      REQUIRE(r.has_value());
      CHECK_FALSE(r->empty());
      CHECK(*r == workstation_patch{{}, {}, 8080, status::online, {}, {}});
    }
    SUBCASE("null resets description and tags") {
      auto const r = validate_patch(obj(R"({"description":null,"tags":null})"));
      REQUIRE(r.has_value());
      CHECK(r->description == std::string());
      CHECK(r->tags == std::vector<std::string>());
    }
    SUBCASE("null is an error for the other fields") {
      auto const r = validate_patch(
          obj(R"({"name":null,"host":null,"ip_address":null,"port":null,"status":null})"));
      CHECK(failed_fields(r) == names{"name", "host", "ip_address", "port", "status"});
      REQUIRE(r.has_error());
      for (auto const& e : r.error()) CHECK(e.message == "may not be null");
    }
    SUBCASE("the same rules as create, all errors collected") {
      CHECK(fields_of_patch(R"({"name":"","port":"1","tags":[1],"extra":0})") ==
            names{"name", "port", "tags", "extra"});
    }
    SUBCASE("ip_address alias") {
      auto const r = validate_patch(obj(R"({"ip_address":"::1"})"));
      REQUIRE(r.has_value());
      CHECK(r->host == "::1");
      CHECK(fields_of_patch(R"({"host":"a","ip_address":"b"})") == names{"ip_address"});
    }
  }

  TEST_CASE("apply merges a patch") {
    auto w = sample();
    apply(w, workstation_patch{});
    CHECK(w == sample());
    apply(w, *validate_patch(obj(R"({"host":"ws.lab","description":"x","tags":null})")));
    CHECK(w.host == "ws.lab");
    CHECK(w.description == "x");
    CHECK(w.tags.empty());
    CHECK(w.name == "ws-017");
    CHECK(w.port == 5985);
    CHECK(w.state == status::online);
    CHECK(w.version == 3);
  }

  TEST_CASE("serialize writes the SPEC's JSON") {
    CHECK(to_json(sample()) ==
          R"({"id":17,"name":"ws-017","host":"10.0.0.17","port":5985,"status":"online",)"
          R"("description":"","tags":["gpu","rack-3"],"version":3,)"
          R"("created_at":"2026-11-24T04:30:00Z","updated_at":"2026-11-24T05:00:00Z"})");
    SUBCASE("strings are escaped and parse back") {
      auto w = sample();
      w.description = "quote \" backslash \\ newline \n ctrl \x01 caf\xc3\xa9";
      w.tags = {"a\"b"};
      auto const parsed = boost::json::parse(to_json(w)).as_object();
      CHECK(parsed.at("description").as_string() == w.description);
      CHECK(parsed.at("tags").as_array().at(0).as_string() == "a\"b");
    }
    SUBCASE("serialize appends") {
      std::string out = "[";
      serialize(sample(), out);
      CHECK(out.starts_with("[{\"id\":17,"));
    }
  }

  TEST_CASE("list_to_json") {
    CHECK(list_to_json({}, 0, 100, 0) == R"({"items":[],"total":0,"limit":100,"offset":0})");
    std::vector<workstation> items{sample(), sample()};
    items[1].id = 18;
    auto const parsed = boost::json::parse(list_to_json(items, 42, 2, 10)).as_object();
    CHECK(parsed.at("items").as_array().size() == 2);
    CHECK(parsed.at("items").as_array().at(1).at("id").as_int64() == 18);
    CHECK(parsed.at("total").as_int64() == 42);
    CHECK(parsed.at("limit").as_int64() == 2);
    CHECK(parsed.at("offset").as_int64() == 10);
  }

  TEST_CASE("parse_id") {
    CHECK(parse_id("1") == 1);
    CHECK(parse_id("17") == 17);
    CHECK(parse_id("007") == 7);
    CHECK(parse_id("9223372036854775807") == std::numeric_limits<std::int64_t>::max());
    for (std::string_view bad : {"", "0", "-1", "+1", " 1", "1 ", "1a", "0x10", "1.0",
                                 "9223372036854775808", "99999999999999999999", "%31"}) {
      CAPTURE(bad);
      CHECK_FALSE(parse_id(bad).has_value());
    }
  }
}
