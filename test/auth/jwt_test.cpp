#include "wsd/auth/jwt.hpp"

#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "wsd/util/clock.hpp"

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace auth = wsd::auth;
using namespace std::chrono_literals;
using auth::token_error;

namespace {

constexpr std::string_view secret = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
constexpr std::int64_t t0 = 1'800'000'000;

std::string b64url(std::string_view data) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (unsigned char const c : data) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += alphabet[(bits >> count) & 63];
    }
  }
  if (count > 0) out += alphabet[(bits << (6 - count)) & 63];
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<unsigned char const*>(data.data()), data.size(), out.data(), &size);
  return {reinterpret_cast<char const*>(out.data()), size};
}

// A token with arbitrary header and payload JSON, correctly signed with key.
std::string craft(std::string_view header_json, std::string_view payload_json,
                  std::string_view key = secret) {
  auto input = b64url(header_json) + "." + b64url(payload_json);
  return input + "." + b64url(hmac(key, input));
}

constexpr std::string_view hs256 = R"({"alg":"HS256","typ":"JWT"})";

std::string payload(std::string_view claims_json) {
  return "{" + std::string(claims_json) + "}";
}

std::string const good_claims =
    R"("sub":"alice","role":"operator","iat":1800000000,"exp":1800003600)";

struct parts {
  std::string header, payload, signature;
};

parts split(std::string const& token) {
  auto const a = token.find('.');
  auto const b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

std::string join(parts const& p) {
  return p.header + "." + p.payload + "." + p.signature;
}

}  // namespace

TEST_SUITE("jwt") {
  TEST_CASE("issued tokens verify and carry their claims") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::jwt_codec const codec(std::string(secret), 3600s, clock);
    CHECK(codec.ttl() == 3600s);
    auto const token = codec.issue("alice", auth::role::operator_);
    auto const verified = codec.verify(token);
    REQUIRE(verified.has_value());
    CHECK(verified->sub == "alice");
    CHECK(verified->who == auth::role::operator_);
    CHECK(verified->iat == t0);
    CHECK(verified->exp == t0 + 3600);

    SUBCASE("the header is exactly HS256/JWT") {
      CHECK(split(token).header == b64url(hs256));
    }
    SUBCASE("the signature is HMAC-SHA256 of header.payload") {
      auto const p = split(token);
      CHECK(p.signature == b64url(hmac(secret, p.header + "." + p.payload)));
    }
    SUBCASE("subjects that need JSON escaping survive") {
      auto const odd = std::string("a\"b\\c/\xc3\xa9\n");
      auto const r = codec.verify(codec.issue(odd, auth::role::admin));
      REQUIRE(r.has_value());
      CHECK(r->sub == odd);
      CHECK(r->who == auth::role::admin);
    }
    SUBCASE("every role round-trips") {
      for (auto const r : {auth::role::viewer, auth::role::operator_, auth::role::admin}) {
        CHECK(codec.verify(codec.issue("u", r))->who == r);
      }
    }
  }

  TEST_CASE("tokens expire at exp") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::jwt_codec const codec(std::string(secret), 60s, clock);
    auto const token = codec.issue("alice", auth::role::viewer);
    clock.advance(59s);
    CHECK(codec.verify(token).has_value());
    clock.advance(1s);
    CHECK(codec.verify(token).error() == token_error::expired);
    clock.advance(1000s);
    CHECK(codec.verify(token).error() == token_error::expired);
  }

  TEST_CASE("an empty subject is a programming error") {
    auth::jwt_codec const codec(std::string(secret), 60s);
    CHECK_THROWS_AS(codec.issue("", auth::role::admin), std::invalid_argument);
  }

  TEST_CASE("the well-known jwt.io example checks against its secret") {
    // Signed with "your-256-bit-secret"; it has no role and no exp.
    constexpr std::string_view example =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    CHECK(auth::jwt_codec("your-256-bit-secret", 60s).verify(example).error() ==
          token_error::missing_claim);
    CHECK(auth::jwt_codec(std::string(secret), 60s).verify(example).error() ==
          token_error::bad_signature);
  }

  TEST_CASE("the header must say HS256, exactly") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::jwt_codec const codec(std::string(secret), 60s, clock);
    auto const body = payload(good_claims);

    SUBCASE("other key order and no typ are fine") {
      CHECK(codec.verify(craft(R"({"typ":"JWT","alg":"HS256"})", body)).has_value());
      CHECK(codec.verify(craft(R"({"alg":"HS256"})", body)).has_value());
    }
    SUBCASE("alg none, signed or not") {
      auto const unsigned_token =
          b64url(R"({"alg":"none","typ":"JWT"})") + "." + b64url(body) + ".";
      CHECK(codec.verify(unsigned_token).error() == token_error::bad_algorithm);
      CHECK(codec.verify(craft(R"({"alg":"none"})", body)).error() == token_error::bad_algorithm);
    }
    SUBCASE("other algorithms and spellings") {
      for (auto const* header :
           {R"({"alg":"HS512","typ":"JWT"})", R"({"alg":"hs256","typ":"JWT"})",
            R"({"alg":"HS256 ","typ":"JWT"})", R"({"alg":"RS256"})", R"({"typ":"JWT"})",
            R"({"alg":256})", R"({"alg":null})", R"({"alg":["HS256"]})", "{}"}) {
        CAPTURE(header);
        CHECK(codec.verify(craft(header, body)).error() == token_error::bad_algorithm);
      }
    }
    SUBCASE("headers that are not JSON objects") {
      for (auto const* header : {"HS256", R"(["alg","HS256"])", R"({"alg":"HS256")", ""}) {
        CAPTURE(header);
        CHECK(codec.verify(craft(header, body)).error() == token_error::malformed);
      }
    }
    SUBCASE("critical extensions are refused") {
      CHECK(codec.verify(craft(R"({"alg":"HS256","crit":["b64"],"b64":false})", body)).error() ==
            token_error::malformed);
    }
  }

  TEST_CASE("tampering and foreign secrets break the signature") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::jwt_codec const codec(std::string(secret), 3600s, clock);
    auto const token = codec.issue("bob", auth::role::viewer);

    SUBCASE("payload raised to admin") {
      auto p = split(token);
      p.payload =
          b64url(payload(R"("sub":"bob","role":"admin","iat":1800000000,"exp":1800003600)"));
      CHECK(codec.verify(join(p)).error() == token_error::bad_signature);
    }
    SUBCASE("one character of the signature changed") {
      auto p = split(token);
      p.signature[0] = p.signature[0] == 'A' ? 'B' : 'A';
      CHECK(codec.verify(join(p)).error() == token_error::bad_signature);
    }
    SUBCASE("signature truncated or extended by whole bytes") {
      auto p = split(token);
      auto const raw = hmac(secret, p.header + "." + p.payload);
      p.signature = b64url(raw.substr(0, 31));
      CHECK(codec.verify(join(p)).error() == token_error::bad_signature);
      p.signature = b64url(raw + "x");
      CHECK(codec.verify(join(p)).error() == token_error::bad_signature);
    }
    SUBCASE("signed with another secret") {
      auth::jwt_codec const other("another secret that is long enough, really", 3600s, clock);
      CHECK(other.verify(token).error() == token_error::bad_signature);
      CHECK(codec.verify(other.issue("bob", auth::role::viewer)).error() ==
            token_error::bad_signature);
    }
  }

  TEST_CASE("claims are required and typed") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::jwt_codec const codec(std::string(secret), 60s, clock);
    auto const check = [&](std::string const& claims_json, token_error expected) {
      CAPTURE(claims_json);
      CHECK(codec.verify(craft(hs256, payload(claims_json))).error() == expected);
    };
    check(R"("sub":"a","role":"admin","iat":1800000000)", token_error::missing_claim);
    check(R"("role":"admin","iat":1800000000,"exp":1800003600)", token_error::missing_claim);
    check(R"("sub":"a","iat":1800000000,"exp":1800003600)", token_error::missing_claim);
    check(R"("sub":"a","role":"admin","exp":1800003600)", token_error::missing_claim);
    check(R"("sub":"a","role":"admin","iat":1800000000,"exp":"1800003600")",
          token_error::invalid_claim);
    check(R"("sub":"a","role":"admin","iat":1800000000,"exp":1800003600.5)",
          token_error::invalid_claim);
    check(R"("sub":"a","role":"admin","iat":1800000000,"exp":1.8000036e9)",
          token_error::invalid_claim);
    check(R"("sub":"a","role":"admin","iat":1800000000,"exp":18446744073709551615)",
          token_error::invalid_claim);
    check(R"("sub":"a","role":"admin","iat":1800000000,"exp":null)", token_error::invalid_claim);
    check(R"("sub":"a","role":"admin","iat":"now","exp":1800003600)", token_error::invalid_claim);
    check(R"("sub":"","role":"admin","iat":1800000000,"exp":1800003600)",
          token_error::invalid_claim);
    check(R"("sub":7,"role":"admin","iat":1800000000,"exp":1800003600)",
          token_error::invalid_claim);
    check(R"("sub":"a","role":"root","iat":1800000000,"exp":1800003600)",
          token_error::invalid_claim);
    check(R"("sub":"a","role":"Admin","iat":1800000000,"exp":1800003600)",
          token_error::invalid_claim);
    check(R"("sub":"a","role":2,"iat":1800000000,"exp":1800003600)", token_error::invalid_claim);
    check(R"("sub":"a","role":"admin","iat":1800000000,"exp":1800000000)", token_error::expired);

    SUBCASE("a complete crafted token is accepted, extra claims ignored") {
      auto const r = codec.verify(craft(hs256, payload(good_claims + R"(,"jti":"x","nbf":1)")));
      REQUIRE(r.has_value());
      CHECK(r.value() == auth::claims{"alice", auth::role::operator_, 1800000000, 1800003600});
    }
    SUBCASE("payloads that are not JSON objects") {
      for (auto const* body : {"[]", "\"sub\"", "{", "{\"sub\":\"a\",}", "null"}) {
        CAPTURE(body);
        CHECK(codec.verify(craft(hs256, body)).error() == token_error::malformed);
      }
    }
  }

  TEST_CASE("the token's shape and encoding are strict") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::jwt_codec const codec(std::string(secret), 60s, clock);
    auto const token = codec.issue("carol", auth::role::viewer);
    auto const p = split(token);
    auto const malformed = [&](std::string const& bad) {
      CAPTURE(bad);
      CHECK(codec.verify(bad).error() == token_error::malformed);
    };

    malformed("");
    malformed(".");
    malformed("..");
    malformed(p.header + "." + p.payload);
    malformed(token + "." + p.signature);
    malformed(token + ".");
    malformed(p.header + ".." + p.signature);
    malformed("." + p.payload + "." + p.signature);
    malformed(p.header + "." + p.payload + ".");
    malformed(token + "=");
    malformed(p.header + "=." + p.payload + "." + p.signature);
    malformed(p.header + "." + p.payload + "==." + p.signature);
    malformed(p.header + "." + p.payload + "+" + "." + p.signature);
    malformed(p.header + "." + p.payload + "." + p.signature.substr(0, 42) + "/");
    malformed(p.header + "." + p.payload + "." + p.signature + "AA");  // length 4n + 1
    malformed(p.header + "." + p.payload + " ." + p.signature);
    malformed(std::string(token).insert(10, 1, '\0'));

    SUBCASE("stray bits in the last character are refused") {
      // 32 bytes encode to 43 characters whose last one carries 2 unused bits.
      auto altered = p;
      auto const last = altered.signature.back();
      auto const value =
          std::string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
              .find(last);
      altered.signature.back() =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[value | 1];
      malformed(join(altered));
    }
    SUBCASE("the header is checked even when not byte-identical to ours") {
      malformed(craft("{\"alg\":\"HS256\"}garbage", payload(good_claims)));
    }
  }

  TEST_CASE("tokens longer than 4096 bytes are refused") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::jwt_codec const codec(std::string(secret), 60s, clock);
    std::string largest_accepted;
    std::string smallest_refused;
    for (std::size_t n = 2900; n < 3200 && smallest_refused.empty(); ++n) {
      auto const token = codec.issue(std::string(n, 'x'), auth::role::viewer);
      if (token.size() <= auth::max_token_bytes) {
        largest_accepted = token;
      } else {
        smallest_refused = token;
      }
    }
    REQUIRE_FALSE(largest_accepted.empty());
    REQUIRE_FALSE(smallest_refused.empty());
    CHECK(largest_accepted.size() > 4090);
    CHECK(codec.verify(largest_accepted).has_value());
    CHECK(codec.verify(smallest_refused).error() == token_error::malformed);
    CHECK(codec.verify(std::string(1 << 20, 'A')).error() == token_error::malformed);
  }

  TEST_CASE("codecs with different secrets interleave on one thread") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::jwt_codec const a(std::string(secret), 60s, clock);
    auth::jwt_codec const b("a completely different secret of 32+ bytes", 60s, clock);
    auto const copy_of_a = a;
    auto const ta = a.issue("a", auth::role::viewer);
    auto const tb = b.issue("b", auth::role::viewer);
    for (int i = 0; i < 3; ++i) {
      CHECK(a.verify(ta).has_value());
      CHECK(b.verify(tb).has_value());
      CHECK(a.verify(tb).error() == token_error::bad_signature);
      CHECK(copy_of_a.verify(ta).has_value());
      CHECK(b.verify(ta).error() == token_error::bad_signature);
    }
  }

  TEST_CASE("verify is safe from several threads") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::jwt_codec const codec(std::string(secret), 60s, clock);
    auth::jwt_codec const other("a completely different secret of 32+ bytes", 60s, clock);
    auto const token = codec.issue("dave", auth::role::admin);
    auto const foreign = other.issue("dave", auth::role::admin);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 300; ++i) {
          if (!codec.verify(token).has_value()) ++wrong;
          if (codec.verify(foreign).has_value()) ++wrong;
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(wrong.load() == 0);
  }

  TEST_CASE("value() on an error throws") {
    auth::jwt_codec const codec(std::string(secret), 60s);
    CHECK_THROWS_AS((void)codec.verify("nope").value(), std::runtime_error);
    CHECK(auth::to_string(token_error::expired) == "token expired");
  }

  TEST_CASE("bearer tokens are taken from the Authorization header") {
    CHECK(auth::bearer_token("Bearer abc.def.ghi") == "abc.def.ghi");
    CHECK(auth::bearer_token("bearer abc") == "abc");
    CHECK(auth::bearer_token("BEARER abc") == "abc");
    CHECK(auth::bearer_token("bEaReR    abc") == "abc");
    CHECK(auth::bearer_token("Bearer abc  ") == "abc");

    CHECK_FALSE(auth::bearer_token(""));
    CHECK_FALSE(auth::bearer_token("Bearer"));
    CHECK_FALSE(auth::bearer_token("Bearer "));
    CHECK_FALSE(auth::bearer_token("Bearer     "));
    CHECK_FALSE(auth::bearer_token("Bearerabc"));
    CHECK_FALSE(auth::bearer_token("Bearer\tabc"));
    CHECK_FALSE(auth::bearer_token(" Bearer abc"));
    CHECK_FALSE(auth::bearer_token("Basic YWxpY2U6cGFzcw=="));
    CHECK_FALSE(auth::bearer_token("Bearer abc def"));
    CHECK_FALSE(auth::bearer_token("Bearer: abc"));
  }
}
