#include "wsd/http/message.hpp"

#include <doctest/doctest.h>

using namespace wsd::http;

TEST_SUITE("http message") {
  TEST_CASE("is_json_content_type") {
    CHECK(is_json_content_type("application/json"));
    CHECK(is_json_content_type("Application/JSON"));
    CHECK(is_json_content_type("application/json; charset=utf-8"));
    CHECK(is_json_content_type("  application/json ;charset=UTF-8"));
    CHECK(is_json_content_type("application/merge-patch+json"));
    CHECK(is_json_content_type("application/vnd.api+JSON; x=y"));
    CHECK_FALSE(is_json_content_type(""));
    CHECK_FALSE(is_json_content_type("text/json"));
    CHECK_FALSE(is_json_content_type("text/plain"));
    CHECK_FALSE(is_json_content_type("application/x-www-form-urlencoded"));
    CHECK_FALSE(is_json_content_type("application/jsonx"));
    CHECK_FALSE(is_json_content_type("application/+json"));
    CHECK_FALSE(is_json_content_type("application/json-seq"));
    CHECK_FALSE(is_json_content_type("application"));
    CHECK_FALSE(is_json_content_type("multipart/form-data; boundary=json"));
  }
}
