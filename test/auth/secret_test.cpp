#include "wsd/auth/secret.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

namespace auth = wsd::auth;

TEST_SUITE("secret") {
  TEST_CASE("strong secrets are accepted") {
    CHECK(auth::check_jwt_secret("k3V9q2LmX8pW4zR7tY1uB6nD0sF5gH2j").has_value());
    CHECK(auth::check_jwt_secret("correct-horse-battery-staple-orbit-lantern").has_value());
    CHECK(auth::check_jwt_secret(auth::random_secret()).has_value());
    CHECK(auth::check_jwt_secret(std::string(auth::random_secret(), 0, 32)).has_value());
  }

  TEST_CASE("short secrets are refused") {
    auto const r = auth::check_jwt_secret("k3V9q2LmX8pW4zR7tY1uB6nD0sF5gH2");  // 31 bytes
    REQUIRE(r.has_error());
    CHECK(r.error() == "must be at least 32 bytes (got 31)");
    CHECK(auth::check_jwt_secret("").has_error());
    for (auto const* weak : {"secret", "changeme", "password", "jwt_secret", "your-256-bit-secret",
                             "SECRET", "ChangeMe"}) {
      CAPTURE(weak);
      CHECK(auth::check_jwt_secret(weak).has_error());
    }
  }

  TEST_CASE("well-known and placeholder values are refused") {
    for (auto const* weak : {
             "a-string-secret-at-least-256-bits-long",
             "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
             "09D25E094FAA6CA2556C818166B7A9563B93F7099F6F0F4CAA6CF63B88E8D3E7",
             "secret__________________________________",
             "--------------------SeCrEt--------------------",
             "jwt_secret.jwt_secret.jwt_secret.jwt_secret",
             "your-256-bit-secret-your-256-bit-secret",
             "abcdefghijklmnopqrstuvwxyzabcdefghijklmn",
             "please-change-me-before-going-to-production",
             "CHANGE_ME_TO_A_LONG_RANDOM_VALUE_PLEASE",
             "replace-me-with-a-real-secret-value-now",
             "django-insecure-0a9s8d7f6g5h4j3k2l1qwertyuiop",
         }) {
      CAPTURE(weak);
      auto const r = auth::check_jwt_secret(weak);
      REQUIRE(r.has_error());
      CHECK(r.error().find(weak) == std::string::npos);
    }
  }

  TEST_CASE("short patterns repeated are refused") {
    CHECK(auth::check_jwt_secret(std::string(32, 'a')).error() == "is a short pattern repeated");
    CHECK(auth::check_jwt_secret(std::string(64, '0')).has_error());
    CHECK(auth::check_jwt_secret(std::string(100, '*')).has_error());
    CHECK(auth::check_jwt_secret("abcabcabcabcabcabcabcabcabcabcabcab").has_error());
    CHECK(auth::check_jwt_secret("12345678901234567890123456789012").has_error());
    CHECK(auth::check_jwt_secret("0123456789abcdef0123456789abcdef").has_error());
    CHECK(auth::check_jwt_secret("aA-aA-aA-aA-aA-aA-aA-aA-aA-aA-aA").has_error());
  }

  TEST_CASE("random secrets are 64 hex characters and differ") {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
      auto const s = auth::random_secret();
      CHECK(s.size() == 64);
      CHECK(s.find_first_not_of("0123456789abcdef") == std::string::npos);
      seen.insert(s);
    }
    CHECK(seen.size() == 50);
  }
}
