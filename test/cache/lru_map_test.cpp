#include "wsd/cache/lru_map.hpp"

#include <algorithm>
#include <string>

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using time_point = wsd::cache::clock::time_point;
using wsd::cache::byte_budget;
using wsd::cache::entry;
using wsd::cache::entry_ptr;
using wsd::cache::freshness;
using wsd::cache::lru_map;

namespace {

entry_ptr make_entry(std::string body, std::string etag = "\"e\"") {
  return std::make_shared<entry const>(entry{std::make_shared<std::string const>(std::move(body)),
                                             std::move(etag),
                                             "application/json",
                                             {}});
}

std::string body_of(entry_ptr const& e) {
  return e ? *e->body : std::string("<null>");
}

// Keys of equal length with bodies of equal length cost the same.
std::size_t unit_cost() {
  return lru_map::charge("k0", *make_entry("0123456789"));
}

time_point const t0{};

}  // namespace

TEST_SUITE("lru map") {
  TEST_CASE("entry bytes grow with body and etag") {
    auto const small = make_entry("x", "\"a\"");
    auto const big = make_entry(std::string(1000, 'x'), "\"abcdef\"");
    CHECK(big->bytes() - small->bytes() == 999 + 5);
    CHECK(lru_map::charge("key", *small) > small->bytes() + 3);
    CHECK(entry{}.bytes() > 0);
  }

  TEST_CASE("insert then find, the miss, hit and stale paths") {
    lru_map map(1 << 20, 10s, 5s);
    CHECK(map.find("a", t0).how == freshness::absent);
    CHECK(map.insert("a", make_entry("A"), t0));
    CHECK(map.size() == 1);

    SUBCASE("fresh before the ttl") {
      auto const r = map.find("a", t0 + 9s);
      CHECK(r.how == freshness::fresh);
      CHECK(body_of(r.value) == "A");
    }
    SUBCASE("stale from the ttl until ttl + max_stale") {
      auto const at_ttl = map.find("a", t0 + 10s);
      CHECK(at_ttl.how == freshness::stale);
      CHECK(body_of(at_ttl.value) == "A");
      CHECK(map.find("a", t0 + 14s).how == freshness::stale);
      CHECK(map.size() == 1);
    }
    SUBCASE("gone at ttl + max_stale, removed on the spot") {
      CHECK(map.find("a", t0 + 15s).how == freshness::absent);
      CHECK(map.size() == 0);
      CHECK(map.bytes() == 0);
      CHECK(map.counters().expirations == 1);
    }
    SUBCASE("peek classifies without counting") {
      CHECK(map.peek("a", t0 + 1s).how == freshness::fresh);
      CHECK(map.peek("a", t0 + 11s).how == freshness::stale);
      CHECK(map.peek("a", t0 + 20s).how == freshness::absent);
      CHECK(map.peek("b", t0).how == freshness::absent);
      auto const c = map.counters();
      CHECK(c.hits + c.misses + c.stale_hits == 1);  // only the first find
      CHECK(map.size() == 1);
    }
  }

  TEST_CASE("with max_stale 0 entries go at the ttl") {
    lru_map map(1 << 20, 10s, 0s);
    map.insert("a", make_entry("A"), t0);
    CHECK(map.find("a", t0 + 10s - 1ns).how == freshness::fresh);
    CHECK(map.find("a", t0 + 10s).how == freshness::absent);
    map.insert("b", make_entry("B"), t0);
    CHECK(map.sweep(t0 + 10s) == 1);
    CHECK(map.size() == 0);
  }

  TEST_CASE("replacing a key restamps it and re-charges its bytes") {
    lru_map map(1 << 20, 10s, 0s);
    map.insert("a", make_entry("short"), t0);
    auto const before = map.bytes();
    map.insert("a", make_entry(std::string(100, 'x')), t0 + 8s);
    CHECK(map.size() == 1);
    CHECK(map.bytes() == before + 95);
    auto const r = map.find("a", t0 + 15s);
    CHECK(r.how == freshness::fresh);
    CHECK(body_of(r.value) == std::string(100, 'x'));
    CHECK(map.counters().evictions == 0);
    CHECK(map.counters().invalidations == 0);
  }

  TEST_CASE("the byte budget evicts in LRU order") {
    auto const cost = unit_cost();
    lru_map map(3 * cost, 100s, 0s);
    map.insert("k1", make_entry("1123456789"), t0);
    map.insert("k2", make_entry("2123456789"), t0);
    map.insert("k3", make_entry("3123456789"), t0);
    CHECK(map.bytes() == 3 * cost);

    SUBCASE("without lookups the oldest insert goes first") {
      map.insert("k4", make_entry("4123456789"), t0);
      CHECK(map.peek("k1", t0).how == freshness::absent);
      CHECK(map.peek("k2", t0).how == freshness::fresh);
      CHECK(map.size() == 3);
      CHECK(map.counters().evictions == 1);
    }
    SUBCASE("a fresh hit protects an entry") {
      CHECK(map.find("k1", t0 + 1s).how == freshness::fresh);
      map.insert("k4", make_entry("4123456789"), t0 + 1s);
      map.insert("k5", make_entry("5123456789"), t0 + 1s);
      CHECK(map.peek("k1", t0 + 1s).how == freshness::fresh);
      CHECK(map.peek("k2", t0 + 1s).how == freshness::absent);
      CHECK(map.peek("k3", t0 + 1s).how == freshness::absent);
      CHECK(map.counters().evictions == 2);
    }
    SUBCASE("a larger entry evicts as many as it needs") {
      map.insert("k9", make_entry(std::string(10 + cost + 1, 'x')), t0);
      CHECK(map.size() == 1);
      CHECK(map.peek("k9", t0).how == freshness::fresh);
      CHECK(map.counters().evictions == 3);
      CHECK(map.bytes() <= map.max_bytes());
    }
    SUBCASE("replacing the LRU entry makes it the MRU one") {
      map.insert("k1", make_entry("1123456789"), t0 + 1s);
      map.insert("k4", make_entry("4123456789"), t0 + 1s);
      CHECK(map.peek("k1", t0 + 1s).how == freshness::fresh);
      CHECK(map.peek("k2", t0 + 1s).how == freshness::absent);
    }
  }

  TEST_CASE("an entry larger than the whole budget is not stored") {
    auto const cost = unit_cost();
    lru_map map(2 * cost, 100s, 0s);
    map.insert("k1", make_entry("1123456789"), t0);
    CHECK_FALSE(map.insert("k2", make_entry(std::string(2 * cost, 'x')), t0));
    CHECK(map.peek("k2", t0).how == freshness::absent);
    CHECK(map.peek("k1", t0).how == freshness::fresh);  // nothing evicted for it
    CHECK(map.counters().evictions == 0);
    SUBCASE("and drops the older value of its key") {
      CHECK_FALSE(map.insert("k1", make_entry(std::string(2 * cost, 'x')), t0));
      CHECK(map.peek("k1", t0).how == freshness::absent);
      CHECK(map.bytes() == 0);
    }
  }

  TEST_CASE("maps sharing a budget: each evicts its own, trim gives a share") {
    auto const cost = unit_cost();
    byte_budget budget(4 * cost, 2 * cost);
    lru_map a(budget, 100s, 0s);
    lru_map b(budget, 100s, 0s);
    a.insert("a1", make_entry("1123456789"), t0);
    a.insert("a2", make_entry("2123456789"), t0);
    b.insert("b1", make_entry("3123456789"), t0);
    b.insert("b2", make_entry("4123456789"), t0);
    CHECK(budget.used() == 4 * cost);
    CHECK_FALSE(budget.over());

    SUBCASE("a store evicts from its own map") {
      CHECK(a.insert("a3", make_entry("5123456789"), t0));
      CHECK(a.peek("a1", t0).how == freshness::absent);
      CHECK(b.size() == 2);
      CHECK(budget.used() == 4 * cost);
    }
    SUBCASE("a map with only the new entry leaves the rest to trim") {
      lru_map c(budget, 100s, 0s);
      CHECK(c.insert("c1", make_entry("6123456789"), t0));
      CHECK(budget.over());
      CHECK(a.trim(1) == 1);  // a share of one byte: one entry
      CHECK_FALSE(budget.over());
      CHECK(b.trim(cost) == 0);  // nothing left to do
      CHECK(c.size() == 1);
    }
    SUBCASE("an entry above max_entry is refused") {
      CHECK_FALSE(a.insert("big", make_entry(std::string(2 * cost, 'x')), t0));
    }
    SUBCASE("a map gives its bytes back when it goes") {
      {
        lru_map c(budget, 100s, 0s);
        c.insert("c1", make_entry("6123456789"), t0);
        CHECK(budget.used() == 5 * cost);
      }
      CHECK(budget.used() == 4 * cost);
    }
  }

  TEST_CASE("erase, erase_matching and clear count invalidations") {
    lru_map map(1 << 20, 100s, 0s);
    map.insert("workstations:item:1", make_entry("1"), t0);
    map.insert("workstations:item:2", make_entry("2"), t0);
    map.insert("workstations:item:10", make_entry("10"), t0);
    map.insert("workstations:list:limit=5", make_entry("[]"), t0);
    map.insert("workstations:list:", make_entry("[]"), t0);

    CHECK(map.erase("workstations:item:2"));
    CHECK_FALSE(map.erase("workstations:item:2"));
    CHECK(map.counters().invalidations == 1);

    CHECK(map.erase_matching("workstations:item:?") == 1);
    CHECK(map.peek("workstations:item:10", t0).how == freshness::fresh);
    CHECK(map.erase_matching("workstations:list:*") == 2);
    CHECK(map.erase_matching("nothing*") == 0);
    CHECK(map.size() == 1);
    CHECK(map.counters().invalidations == 4);

    map.insert("other", make_entry("x"), t0);
    CHECK(map.clear() == 2);
    CHECK(map.size() == 0);
    CHECK(map.bytes() == 0);
    CHECK(map.counters().invalidations == 6);
    CHECK(map.counters().evictions == 0);
    CHECK(map.counters().expirations == 0);
  }

  TEST_CASE("expire_matching keeps the entries but never as fresh until replaced") {
    lru_map map(1 << 20, 100s, 50s);
    map.insert("workstations:item:1", make_entry("1"), t0);
    map.insert("workstations:list:", make_entry("[]"), t0);
    map.insert("other", make_entry("x"), t0);

    CHECK(map.expire_matching("workstations:*") == 2);
    CHECK(map.expire_matching("workstations:*") == 0);  // already expired
    CHECK(map.size() == 3);
    auto const held = map.find("workstations:item:1", t0 + 1s);
    CHECK(held.how == freshness::stale);
    CHECK(body_of(held.value) == "1");
    CHECK(map.peek("workstations:list:", t0 + 1s).how == freshness::stale);
    CHECK(map.peek("other", t0 + 1s).how == freshness::fresh);
    CHECK(map.keys("workstations:item:*", 10, t0 + 1s).at(0).ttl_seconds == 0);
    CHECK(map.counters().invalidations == 0);
    // Still bounded by ttl + max_stale from when it was stored.
    CHECK(map.peek("workstations:item:1", t0 + 150s).how == freshness::absent);
    // A new value is fresh again.
    map.insert("workstations:item:1", make_entry("1b"), t0 + 2s);
    CHECK(map.find("workstations:item:1", t0 + 3s).how == freshness::fresh);
  }

  TEST_CASE("sweep removes what is past ttl + max_stale and keeps stale entries") {
    lru_map map(1 << 20, 10s, 5s);
    map.insert("a", make_entry("A"), t0);
    map.insert("b", make_entry("B"), t0 + 2s);
    map.insert("c", make_entry("C"), t0 + 4s);
    CHECK(map.sweep(t0 + 12s) == 0);  // a and b are stale, still kept
    CHECK(map.find("a", t0 + 12s).how == freshness::stale);
    CHECK(map.sweep(t0 + 17s) == 2);
    CHECK(map.size() == 1);
    CHECK(map.peek("c", t0 + 17s).how == freshness::stale);
    SUBCASE("a re-inserted key is swept by its new stamp") {
      map.insert("a", make_entry("A2"), t0 + 17s);
      CHECK(map.sweep(t0 + 19s) == 1);  // c
      CHECK(map.peek("a", t0 + 19s).how == freshness::fresh);
      CHECK(map.sweep(t0 + 32s) == 1);
    }
    SUBCASE("expirations are counted and bytes released") {
      CHECK(map.sweep(t0 + 100s) == 1);
      CHECK(map.counters().expirations == 3);
      CHECK(map.bytes() == 0);
    }
  }

  TEST_CASE("keys lists the smallest matching live keys in key order") {
    lru_map map(1 << 20, 10s, 5s);
    map.insert("workstations:item:2", make_entry("2"), t0 + 3s);
    map.insert("workstations:list:", make_entry("[]"), t0 + 3s);
    map.insert("workstations:item:1", make_entry("1"), t0);
    map.insert("dead", make_entry("x"), t0 - 20s);

    auto const all = map.keys("*", 10, t0 + 4500ms);
    REQUIRE(all.size() == 3);
    CHECK(all[0].key == "workstations:item:1");
    CHECK(all[1].key == "workstations:item:2");
    CHECK(all[2].key == "workstations:list:");
    CHECK(all[0].age_seconds == 4);
    CHECK(all[0].ttl_seconds == 6);  // 5.5 s left, rounded up
    CHECK(all[1].age_seconds == 1);
    CHECK(all[0].bytes == lru_map::charge("workstations:item:1", *make_entry("1")));

    auto const items = map.keys("workstations:item:*", 10, t0 + 12s);
    REQUIRE(items.size() == 2);
    CHECK(items[0].ttl_seconds == 0);  // stale, still listed
    CHECK(items[1].ttl_seconds == 1);

    SUBCASE("the limit keeps the smallest keys") {
      for (int i = 9; i >= 3; --i)
        map.insert("workstations:item:" + std::to_string(i), make_entry("i"), t0);
      auto const first = map.keys("workstations:item:?", 3, t0);
      REQUIRE(first.size() == 3);
      CHECK(first[0].key == "workstations:item:1");
      CHECK(first[1].key == "workstations:item:2");
      CHECK(first[2].key == "workstations:item:3");
      CHECK(map.keys("*", 1, t0).size() == 1);
      CHECK(map.keys("*", 0, t0).empty());
      CHECK(map.keys("nope", 10, t0).empty());
    }
  }

  TEST_CASE("counters add up") {
    lru_map map(1 << 20, 10s, 5s);
    map.insert("a", make_entry("A"), t0);
    map.insert("b", make_entry("B"), t0);
    map.find("a", t0 + 1s);   // hit
    map.find("a", t0 + 2s);   // hit
    map.find("zz", t0 + 2s);  // miss
    map.find("b", t0 + 11s);  // stale
    map.find("b", t0 + 16s);  // expired: miss
    auto const c = map.counters();
    CHECK(c.hits == 2);
    CHECK(c.misses == 2);
    CHECK(c.stale_hits == 1);
    CHECK(c.expirations == 1);
    CHECK(c.entries == 1);
    CHECK(c.bytes == map.bytes());
    CHECK(c.bytes == lru_map::charge("a", *make_entry("A")));
  }

  TEST_CASE("a variant is made once, counted in the entry's bytes and recharged") {
    using wsd::util::encoding;
    auto const e = make_entry(std::string(100, 'x'));
    auto const before = e->bytes();
    CHECK(e->variants.find(encoding::gzip) == nullptr);
    CHECK(e->variants.claim(encoding::gzip));
    CHECK_FALSE(e->variants.claim(encoding::gzip));  // someone is making it
    CHECK(e->variants.claim(encoding::br));          // each coding on its own
    e->variants.release(encoding::br);
    CHECK(e->variants.claim(encoding::br));  // released: claimable again
    e->variants.publish(encoding::gzip,
                        {std::make_shared<std::string const>(std::string(40, 'z')), "\"e-gz\""});
    REQUIRE(e->variants.find(encoding::gzip) != nullptr);
    CHECK(*e->variants.find(encoding::gzip)->body == std::string(40, 'z'));
    CHECK(e->bytes() > before + 40 + 6);
    CHECK(entry(*e).variants.find(encoding::gzip) == nullptr);  // a copy starts empty

    SUBCASE("recharge charges the new size") {
      lru_map map(1 << 20, 10s, 5s);
      auto const fresh = make_entry(std::string(100, 'x'));
      map.insert("k", fresh, t0);
      auto const charged = map.bytes();
      fresh->variants.claim(encoding::br);
      fresh->variants.publish(encoding::br,
                              {std::make_shared<std::string const>(std::string(30, 'b')), "\"b\""});
      map.recharge("other", fresh.get());  // not under that key: nothing
      CHECK(map.bytes() == charged);
      map.recharge("k", e.get());  // another value: nothing
      CHECK(map.bytes() == charged);
      map.recharge("k", fresh.get());
      CHECK(map.bytes() == lru_map::charge("k", *fresh));
      CHECK(map.bytes() > charged + 30);
    }
    SUBCASE("recharge evicts from the LRU end when over budget") {
      auto const small = make_entry("0123456789");
      auto const cost = lru_map::charge("k0", *small);
      lru_map map(2 * cost + 10, 10s, 5s);
      map.insert("k0", small, t0);
      auto const grown = make_entry("0123456789");
      map.insert("k1", grown, t0);
      grown->variants.claim(encoding::gzip);
      grown->variants.publish(encoding::gzip,
                              {std::make_shared<std::string const>(std::string(50, 'g')), "\"g\""});
      map.recharge("k1", grown.get());
      CHECK(map.peek("k0", t0).how == freshness::absent);
      CHECK(map.peek("k1", t0).how == freshness::fresh);
      CHECK(map.counters().evictions == 1);
      CHECK(map.bytes() == lru_map::charge("k1", *grown));
    }
    SUBCASE("an entry that outgrows the largest charge goes") {
      auto const grown = make_entry("0123456789");
      lru_map map(lru_map::charge("k0", *grown) + 10, 10s, 5s);
      map.insert("k0", grown, t0);
      grown->variants.claim(encoding::br);
      grown->variants.publish(encoding::br,
                              {std::make_shared<std::string const>(std::string(50, 'b')), "\"b\""});
      map.recharge("k0", grown.get());
      CHECK(map.peek("k0", t0).how == freshness::absent);
      CHECK(map.bytes() == 0);
      CHECK(map.budget().used() == 0);
    }
  }
}
