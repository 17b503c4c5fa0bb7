// The single-threaded core of the cache: a map of ready-to-send responses with
// a per-entry TTL, a byte budget enforced by LRU eviction, and a grace period
// (max_stale) during which an expired entry is kept to be served as STALE when
// the database is down, never as fresh. It knows nothing of threads: the
// sharded cache owns one per shard and touches it only on that shard's strand.
// Time is passed in by the caller, so tests drive it with a fake clock.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/intrusive/list.hpp>

#include "wsd/util/compress.hpp"

namespace wsd::cache {

using clock = std::chrono::steady_clock;

// A compressed form of an entry's body, with its own strong ETag.
struct variant {
  std::shared_ptr<std::string const> body;
  std::string etag;
};

// The compressed variants of an entry. Each coding is made at most once: the
// one caller that claims it compresses and publishes it; from then on it is
// immutable and readers take it without a lock. A copy starts empty (the
// variants belong to the entry that made them).
class variant_slots {
 public:
  variant_slots() noexcept = default;
  variant_slots(variant_slots const&) noexcept {}
  variant_slots& operator=(variant_slots const&) = delete;
  ~variant_slots();

  // The published variant of `e` (gzip or br), or null.
  variant const* find(util::encoding e) const noexcept;
  // True for the first caller per coding, which must then publish or release.
  bool claim(util::encoding e) const noexcept;
  void release(util::encoding e) const noexcept;
  void publish(util::encoding e, variant made) const;
  // Bytes of the published variants, bookkeeping included.
  std::size_t bytes() const noexcept;

 private:
  mutable std::array<std::atomic<variant const*>, 2> made_{};
  mutable std::array<std::atomic<bool>, 2> claimed_{};
};

// A ready-to-send response, immutable but for the variants it gains on
// demand. A hit hands out the shared pointer: no JSON work, no body copy.
struct entry {
  std::shared_ptr<std::string const> body;
  std::string etag;
  std::string_view content_type = "application/json";  // always a string literal
  variant_slots variants;

  // Body, ETag and variant sizes plus an estimate of the bookkeeping around
  // them: the one measure of an entry against the byte budget.
  std::size_t bytes() const noexcept;
};
using entry_ptr = std::shared_ptr<entry const>;

// One line of a key listing (GET /api/performance/cache-keys).
struct key_info {
  std::string key;
  std::int64_t age_seconds = 0;
  std::int64_t ttl_seconds = 0;  // fresh time left, 0 once expired
  std::size_t bytes = 0;
};

// The bytes a cache may hold, shared by all the maps of one cache (so that an
// entry's size is bounded by the cache's budget, not by a shard's slice of
// it). Maps add and subtract their charges atomically; each map evicts from
// its own LRU end, and whoever finds the total over the limit trims.
class byte_budget {
 public:
  // `max_entry`: the largest charge one entry may have (0: `limit`).
  explicit byte_budget(std::size_t limit, std::size_t max_entry = 0) noexcept
      : limit_(limit), max_entry_(max_entry == 0 ? limit : max_entry) {}

  std::size_t limit() const noexcept { return limit_; }
  std::size_t max_entry() const noexcept { return max_entry_; }
  std::size_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
  bool over() const noexcept { return used() > limit_; }
  void add(std::size_t n) noexcept { used_.fetch_add(n, std::memory_order_relaxed); }
  void sub(std::size_t n) noexcept { used_.fetch_sub(n, std::memory_order_relaxed); }

 private:
  std::size_t limit_;
  std::size_t max_entry_;
  std::atomic<std::size_t> used_{0};
};

enum class freshness : std::uint8_t { fresh, stale, absent };

struct find_result {
  entry_ptr value;  // null when absent
  freshness how = freshness::absent;
};

// Lookups are counted by outcome: fresh → hits, expired but within max_stale →
// stale_hits, nothing usable → misses. Removals are counted by cause.
struct lru_counters {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t stale_hits = 0;
  std::uint64_t evictions = 0;      // pushed out by the byte budget
  std::uint64_t expirations = 0;    // older than ttl + max_stale
  std::uint64_t invalidations = 0;  // removed by erase, erase_matching or clear
  std::size_t entries = 0;
  std::size_t bytes = 0;
};

class lru_map {
 public:
  // A map with a budget of its own.
  lru_map(std::size_t max_bytes, clock::duration ttl, clock::duration max_stale);
  // A map that shares `budget` (which must outlive it) with others.
  lru_map(byte_budget& budget, clock::duration ttl, clock::duration max_stale);
  lru_map(lru_map const&) = delete;
  lru_map& operator=(lru_map const&) = delete;
  ~lru_map();

  // What an entry costs against the budget under `key`.
  static std::size_t charge(std::string_view key, entry const& value) noexcept;

  // Stores (or replaces) `key` as the most recently used entry, stamped `now`,
  // then evicts from its own LRU end while the budget is exceeded (never the
  // new entry). An entry whose charge exceeds the budget's max_entry is not
  // stored (and drops an older value of the key). Returns whether it was
  // stored; the budget may still be over when this map had too little to give.
  bool insert(std::string_view key, entry_ptr value, clock::time_point now);
  // Evicts from the LRU end while the shared budget is exceeded, until it has
  // freed `share` bytes (so that several maps trimming at once each give a
  // part); returns how many entries went.
  std::size_t trim(std::size_t share);

  // A fresh hit becomes the most recently used; a stale one does not (it is
  // only a fallback). An entry past ttl + max_stale is removed on the spot.
  find_result find(std::string_view key, clock::time_point now);
  // Like find, but counts nothing and leaves the LRU order alone.
  find_result peek(std::string_view key, clock::time_point now) const;

  // After `value`, stored under `key`, gained a variant: charges its new size
  // and evicts from its own LRU end while the budget is exceeded, as insert
  // does (the entry itself only if it outgrew max_entry). Nothing when `key`
  // holds another value by now.
  void recharge(std::string_view key, entry const* value);

  bool erase(std::string_view key);
  std::size_t erase_matching(std::string_view pattern);  // glob, see glob.hpp
  std::size_t clear();
  // Marks the matching entries expired without removing them: the next find
  // reports them stale (a revalidation), and they stay usable as STALE until
  // ttl + max_stale after they were stored. Returns how many.
  std::size_t expire_matching(std::string_view pattern);  // glob, see glob.hpp
  // Removes the entries older than ttl + max_stale; returns how many.
  std::size_t sweep(clock::time_point now);

  // The `limit` smallest matching keys (in key order) among the entries still
  // within ttl + max_stale.
  std::vector<key_info> keys(std::string_view pattern, std::size_t limit,
                             clock::time_point now) const;

  lru_counters counters() const noexcept;
  std::size_t size() const noexcept { return slots_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  std::size_t max_bytes() const noexcept { return budget_.limit(); }
  byte_budget const& budget() const noexcept { return budget_; }

 private:
  using hook = boost::intrusive::list_member_hook<
      boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

  // Lives in the map's node, so its address is stable; the hooks unlink it
  // from both lists when the node is erased.
  struct slot {
    std::string_view key;  // views the map's own key
    entry_ptr value;
    clock::time_point stored;
    std::size_t charge = 0;
    bool expired = false;  // by expire_matching, before its TTL ran out
    hook by_use;           // in lru_, most recently used first
    hook by_age;           // in age_, oldest first: with one TTL for all, expiry order
  };

  template <hook slot::*Member>
  using slot_list = boost::intrusive::list<slot, boost::intrusive::member_hook<slot, hook, Member>,
                                           boost::intrusive::constant_time_size<false>>;

  // Transparent, so a lookup by string_view allocates nothing.
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept;
  };
  using slot_table = std::unordered_map<std::string, slot, key_hash, std::equal_to<>>;

  bool dead(slot const& s, clock::time_point now) const noexcept;
  find_result classify(slot const& s, clock::time_point now) const noexcept;
  void remove(slot_table::iterator it) noexcept;
  void remove(slot& s) noexcept;
  void charge_bytes(std::size_t n) noexcept;
  void refund_bytes(std::size_t n) noexcept;

  std::unique_ptr<byte_budget> own_budget_;  // null when shared
  byte_budget& budget_;
  clock::duration ttl_;
  clock::duration max_stale_;
  std::size_t bytes_ = 0;
  lru_counters counters_;
  slot_table slots_;
  slot_list<&slot::by_use> lru_;
  slot_list<&slot::by_age> age_;
};

}  // namespace wsd::cache
