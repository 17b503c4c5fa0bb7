#include "wsd/auth/password.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

namespace auth = wsd::auth;

namespace {

// The fastest of a few runs: the least disturbed by other processes.
template <class F>
std::chrono::nanoseconds fastest_of_three(F&& f) {
  auto best = std::chrono::nanoseconds::max();
  for (int i = 0; i < 3; ++i) {
    auto const start = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::steady_clock::now() - start);
  }
  return best;
}

}  // namespace

TEST_SUITE("password") {
  TEST_CASE("a hash verifies its password and no other") {
    auto const encoded = auth::hash_password("correct horse battery staple");
    CHECK(auth::verify_password("correct horse battery staple", encoded));
    CHECK_FALSE(auth::verify_password("correct horse battery stapl", encoded));
    CHECK_FALSE(auth::verify_password("Correct horse battery staple", encoded));
    CHECK_FALSE(auth::verify_password("", encoded));

    SUBCASE("the PHC string carries OWASP's argon2id parameters") {
      CHECK(encoded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
      // 16-byte salt and 32-byte hash, unpadded base64.
      auto const salt_start = std::string_view("$argon2id$v=19$m=19456,t=2,p=1$").size();
      auto const salt_end = encoded.find('$', salt_start);
      REQUIRE(salt_end != std::string::npos);
      CHECK(salt_end - salt_start == 22);
      CHECK(encoded.size() - salt_end - 1 == 43);
    }
    SUBCASE("salts are random") {
      CHECK(auth::hash_password("correct horse battery staple") != encoded);
    }
  }

  TEST_CASE("empty and binary passwords are hashed like any other") {
    auto const empty = auth::hash_password("");
    CHECK(auth::verify_password("", empty));
    CHECK_FALSE(auth::verify_password(" ", empty));
    auto const binary = std::string("a\0b\xff", 4);
    auto const encoded = auth::hash_password(binary);
    CHECK(auth::verify_password(binary, encoded));
    CHECK_FALSE(auth::verify_password("a", encoded));
  }

  TEST_CASE("malformed or unreasonable encodings are refused") {
    auto const good = auth::hash_password("pw");
    REQUIRE(auth::verify_password("pw", good));
    auto const replaced = [&](std::string_view from, std::string_view to) {
      auto copy = good;
      copy.replace(copy.find(from), from.size(), to);
      return copy;
    };
    CHECK_FALSE(auth::verify_password("pw", ""));
    CHECK_FALSE(auth::verify_password("pw", "pw"));
    CHECK_FALSE(auth::verify_password("pw", good.substr(0, good.size() - 5)));
    CHECK_FALSE(auth::verify_password("pw", good + "A"));
    CHECK_FALSE(auth::verify_password("pw", replaced("argon2id", "argon2i")));
    CHECK_FALSE(auth::verify_password("pw", replaced("v=19", "v=16")));
    CHECK_FALSE(auth::verify_password("pw", replaced("m=19456", "m=4194304")));
    CHECK_FALSE(auth::verify_password("pw", replaced("t=2", "t=1000")));
    CHECK_FALSE(auth::verify_password("pw", replaced("p=1", "p=255")));
    CHECK_FALSE(auth::verify_password("pw", replaced("m=19456", "m=")));
    CHECK_FALSE(auth::verify_password("pw", replaced("m=19456,t=2", "t=2,m=19456")));
    CHECK_FALSE(auth::verify_password("pw", good + std::string(300, 'A')));
    CHECK_FALSE(auth::verify_password("pw", std::string(good).insert(20, 1, '\0')));
  }

  TEST_CASE("an unknown user costs as much as a wrong password") {
    // Equal cost comes from equal parameters: the dummy hash has those of
    // every fresh hash (a static_assert in password.cpp pins them), so only
    // a lower bound is measured here, which a loaded machine cannot break.
    auto const encoded = auth::hash_password("secret password");
    CHECK(encoded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    auto const burn = fastest_of_three([] { auth::burn_verify_time("x"); });
    // A malformed dummy would return in microseconds; argon2 takes milliseconds.
    CHECK(burn > std::chrono::milliseconds(1));
  }

  TEST_CASE("random passwords are URL-safe and differ") {
    auto const a = auth::random_password();
    CHECK(a.size() == 20);
    CHECK(auth::random_password(40).size() == 40);
    CHECK(auth::random_password(0).empty());
    std::set<std::string> seen;
    std::set<char> characters;
    for (int i = 0; i < 200; ++i) {
      auto const p = auth::random_password();
      seen.insert(p);
      characters.insert(p.begin(), p.end());
      CHECK(std::all_of(p.begin(), p.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
      }));
    }
    CHECK(seen.size() == 200);
    CHECK(characters.size() > 50);  // 4000 draws over 64 symbols reach nearly all
  }
}
