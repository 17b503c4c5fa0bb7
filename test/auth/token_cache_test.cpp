#include "wsd/auth/token_cache.hpp"

#include <doctest/doctest.h>

#include "wsd/util/clock.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace auth = wsd::auth;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t t0 = 1'800'000'000;

auth::claims claims_for(std::string sub, std::int64_t exp) {
  return {std::move(sub), auth::role::viewer, t0, exp};
}

// Token-like keys whose tails differ, as real signatures do.
std::string token(int i) {
  return "header.payload.signature-" + std::to_string(i * 7919) + "x";
}

}  // namespace

TEST_SUITE("token cache") {
  TEST_CASE("hits return the stored claims, misses nothing") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::token_cache cache(100, clock);
    CHECK_FALSE(cache.find(token(1)));
    cache.insert(token(1), claims_for("alice", t0 + 60));
    auto const hit = cache.find(token(1));
    REQUIRE(hit);
    CHECK(*hit == claims_for("alice", t0 + 60));
    CHECK_FALSE(cache.find(token(2)));
    CHECK_FALSE(cache.find(token(1) + "y"));
    CHECK_FALSE(cache.find(""));
    CHECK(cache.size() == 1);

    SUBCASE("inserting again replaces") {
      cache.insert(token(1), claims_for("bob", t0 + 90));
      CHECK(cache.find(token(1))->sub == "bob");
      CHECK(cache.size() == 1);
    }
    SUBCASE("clear empties") {
      cache.insert(token(2), claims_for("carol", t0 + 60));
      cache.clear();
      CHECK(cache.size() == 0);
      CHECK_FALSE(cache.find(token(1)));
      CHECK_FALSE(cache.find(token(2)));
    }
  }

  TEST_CASE("keys differing only before the hashed tail are distinct") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::token_cache cache(100, clock);
    auto const tail = std::string(64, 's');
    cache.insert("aaa." + tail, claims_for("a", t0 + 60));
    CHECK(cache.find("aaa." + tail)->sub == "a");
    CHECK_FALSE(cache.find("bbb." + tail));
    cache.insert("bbb." + tail, claims_for("b", t0 + 60));
    CHECK(cache.find("bbb." + tail)->sub == "b");
    CHECK_FALSE(cache.find("aaa." + tail));
  }

  TEST_CASE("entries expire at exp") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::token_cache cache(100, clock);
    cache.insert(token(1), claims_for("alice", t0 + 10));
    clock.advance(9s);
    CHECK(cache.find(token(1)));
    clock.advance(1s);
    CHECK_FALSE(cache.find(token(1)));

    SUBCASE("expired claims are not stored") {
      cache.clear();
      cache.insert(token(2), claims_for("bob", t0 + 10));
      cache.insert(token(3), claims_for("bob", t0 + 9));
      CHECK(cache.size() == 0);
    }
  }

  TEST_CASE("the bound is respected") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    SUBCASE("small cache") {
      auth::token_cache cache(64, clock);
      CHECK(cache.capacity() == 64);
      for (int i = 0; i < 1000; ++i) {
        cache.insert(token(i), claims_for("u", t0 + 60));
        CHECK(cache.size() <= 64);
        CHECK(cache.find(token(i)));
      }
      CHECK(cache.size() == 64);
    }
    SUBCASE("sharded cache") {
      auth::token_cache cache(20000, clock);
      CHECK(cache.capacity() <= 20000);
      CHECK(cache.capacity() > 19000);
      for (int i = 0; i < 30000; ++i) cache.insert(token(i), claims_for("u", t0 + 60));
      CHECK(cache.size() <= cache.capacity());
      CHECK(cache.size() > 15000);
      CHECK(cache.find(token(29999)));
    }
    SUBCASE("zero entries stores nothing") {
      auth::token_cache cache(0, clock);
      cache.insert(token(1), claims_for("u", t0 + 60));
      CHECK(cache.size() == 0);
      CHECK_FALSE(cache.find(token(1)));
    }
  }

  TEST_CASE("a full cache drops expired entries first, then the soonest to expire") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::token_cache cache(4, clock);
    cache.insert(token(1), claims_for("short", t0 + 5));
    cache.insert(token(2), claims_for("soonest live", t0 + 50));
    cache.insert(token(3), claims_for("c", t0 + 100));
    cache.insert(token(4), claims_for("d", t0 + 100));
    clock.advance(6s);
    cache.insert(token(5), claims_for("e", t0 + 100));
    CHECK(cache.size() == 4);
    for (int i = 2; i <= 5; ++i) CHECK(cache.find(token(i)));

    cache.insert(token(6), claims_for("f", t0 + 100));
    CHECK(cache.size() == 4);
    CHECK_FALSE(cache.find(token(2)));
    for (int i = 3; i <= 6; ++i) CHECK(cache.find(token(i)));
  }

  TEST_CASE("concurrent finds and inserts") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::token_cache cache(4096, clock);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 500; ++i) {
          auto const key = token(t * 1000 + i);
          auto const sub = std::to_string(t * 1000 + i);
          cache.insert(key, claims_for(sub, t0 + 60));
          auto const hit = cache.find(key);
          if (!hit || hit->sub != sub) ++wrong;
          if (cache.find(token(t * 1000 + i) + "!")) ++wrong;
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(wrong.load() == 0);
    CHECK(cache.size() == 2000);
  }

  TEST_CASE("the verifier answers from the cache and fills it") {
    wsd::util::fake_clock clock{std::chrono::sys_seconds(std::chrono::seconds(t0))};
    auth::jwt_codec const codec("0123456789abcdefghijklmnopqrstuvwxyzABCD", 60s, clock);
    auth::token_cache cache(100, clock);
    auth::token_verifier const verifier(codec, cache);
    auto const token = codec.issue("alice", auth::role::admin);

    auto const first = verifier.verify(token);
    REQUIRE(first.has_value());
    CHECK(first->sub == "alice");
    CHECK(cache.size() == 1);
    CHECK(cache.find(token) == *first);
    auto const second = verifier.verify(token);
    CHECK(second.value() == first.value());
    CHECK(cache.size() == 1);

    SUBCASE("a hit does not reach the codec") {
      cache.insert("not.a.jwt", claims_for("planted", t0 + 60));
      CHECK(verifier.verify("not.a.jwt")->sub == "planted");
    }
    SUBCASE("failures are not cached") {
      auto tampered = token;
      tampered[tampered.size() - 10] = tampered[tampered.size() - 10] == 'A' ? 'B' : 'A';
      CHECK(verifier.verify(tampered).error() == auth::token_error::bad_signature);
      CHECK(verifier.verify("garbage").error() == auth::token_error::malformed);
      CHECK(cache.size() == 1);
    }
    SUBCASE("an expired token is refused although it was cached") {
      clock.advance(60s);
      CHECK(verifier.verify(token).error() == auth::token_error::expired);
    }
  }
}
