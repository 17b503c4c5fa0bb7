#include "wsd/auth/role.hpp"

#include <doctest/doctest.h>

namespace auth = wsd::auth;

TEST_SUITE("role") {
  TEST_CASE("roles round-trip through their names") {
    CHECK(auth::to_string(auth::role::viewer) == "viewer");
    CHECK(auth::to_string(auth::role::operator_) == "operator");
    CHECK(auth::to_string(auth::role::admin) == "admin");
    for (auto const r : {auth::role::viewer, auth::role::operator_, auth::role::admin}) {
      CHECK(auth::parse_role(auth::to_string(r)) == r);
    }
  }

  TEST_CASE("unknown role names are refused") {
    CHECK_FALSE(auth::parse_role(""));
    CHECK_FALSE(auth::parse_role("Admin"));
    CHECK_FALSE(auth::parse_role("operator_"));
    CHECK_FALSE(auth::parse_role("root"));
    CHECK_FALSE(auth::parse_role("admin "));
  }

  TEST_CASE("a higher role includes the lower ones") {
    using auth::role;
    CHECK(auth::allows(role::admin, role::admin));
    CHECK(auth::allows(role::admin, role::operator_));
    CHECK(auth::allows(role::admin, role::viewer));
    CHECK(auth::allows(role::operator_, role::viewer));
    CHECK(auth::allows(role::viewer, role::viewer));
    CHECK_FALSE(auth::allows(role::viewer, role::operator_));
    CHECK_FALSE(auth::allows(role::viewer, role::admin));
    CHECK_FALSE(auth::allows(role::operator_, role::admin));
  }
}
