#include "wsd/auth/token_cache.hpp"

#include <algorithm>
#include <bit>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>

namespace wsd::auth {
namespace {

constexpr std::size_t max_shards = 16;
// Small caches stay in one shard: sharding only pays under contention, and
// one shard keeps their eviction exact.
constexpr std::size_t min_entries_per_shard = 1024;
// Entries looked at to choose a victim when a shard is full of live tokens.
constexpr std::size_t eviction_sample = 8;
// The signature part of an HS256 token is 43 characters.
constexpr std::size_t hashed_tail = 32;

std::uint64_t token_hash(std::string_view token) noexcept {
  auto const tail = token.substr(token.size() - std::min(token.size(), hashed_tail));
  return std::hash<std::string_view>{}(tail);
}

struct entry {
  std::string token;
  claims value;
};

}  // namespace

// Keyed by the 64-bit hash, which the map uses as is; the full token is
// compared on lookup, so a colliding hash can only cost a miss.
struct alignas(64) token_cache::shard {
  struct identity {
    std::size_t operator()(std::uint64_t h) const noexcept { return h; }
  };
  mutable std::mutex mutex;
  std::unordered_map<std::uint64_t, entry, identity> entries;
  // No entry expires before this, so a full shard of live tokens is not
  // scanned for expired ones on every insert.
  std::int64_t earliest_exp = std::numeric_limits<std::int64_t>::max();

  void make_room(std::size_t capacity, std::int64_t now) {
    if (now >= earliest_exp) {
      earliest_exp = std::numeric_limits<std::int64_t>::max();
      std::erase_if(entries, [&](auto const& kv) {
        if (kv.second.value.exp <= now) return true;
        earliest_exp = std::min(earliest_exp, kv.second.value.exp);
        return false;
      });
    }
    if (entries.size() < capacity || entries.empty()) return;
    auto victim = entries.begin();
    auto it = victim;
    for (std::size_t i = 0; i < eviction_sample && it != entries.end(); ++i, ++it) {
      if (it->second.value.exp < victim->second.value.exp) victim = it;
    }
    entries.erase(victim);
  }
};

token_cache::token_cache(std::size_t max_entries, util::clock const& clock)
    : shard_count_(std::clamp<std::size_t>(std::bit_floor(max_entries / min_entries_per_shard), 1,
                                           max_shards)),
      shard_capacity_(max_entries / shard_count_),
      shards_(std::make_unique<shard[]>(shard_count_)),
      clock_(clock) {}

token_cache::~token_cache() = default;

token_cache::shard& token_cache::shard_for(std::uint64_t hash) const noexcept {
  // The map buckets by hash modulo a prime; the shard takes the high bits
  // of a re-mixed hash so the two choices do not correlate.
  auto const mixed = hash * 0x9E3779B97F4A7C15ull;
  return shards_[(mixed >> 32) & (shard_count_ - 1)];
}

std::int64_t token_cache::now_seconds() const {
  return std::chrono::floor<std::chrono::seconds>(clock_.wall().time_since_epoch()).count();
}

std::optional<claims> token_cache::find(std::string_view token) const {
  auto const hash = token_hash(token);
  auto const now = now_seconds();
  auto const& s = shard_for(hash);
  std::lock_guard const lock(s.mutex);
  auto const it = s.entries.find(hash);
  if (it == s.entries.end() || it->second.token != token || it->second.value.exp <= now) {
    return std::nullopt;
  }
  return it->second.value;
}

void token_cache::insert(std::string_view token, claims const& c) {
  auto const now = now_seconds();
  if (shard_capacity_ == 0 || c.exp <= now) return;
  auto const hash = token_hash(token);
  entry fresh{std::string(token), c};
  auto& s = shard_for(hash);
  std::lock_guard const lock(s.mutex);
  if (auto const it = s.entries.find(hash); it != s.entries.end()) {
    it->second = std::move(fresh);
  } else {
    if (s.entries.size() >= shard_capacity_) s.make_room(shard_capacity_, now);
    s.entries.emplace(hash, std::move(fresh));
  }
  s.earliest_exp = std::min(s.earliest_exp, c.exp);
}

void token_cache::clear() {
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard const lock(shards_[i].mutex);
    shards_[i].entries.clear();
    shards_[i].earliest_exp = std::numeric_limits<std::int64_t>::max();
  }
}

std::size_t token_cache::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard const lock(shards_[i].mutex);
    total += shards_[i].entries.size();
  }
  return total;
}

std::size_t token_cache::capacity() const noexcept {
  return shard_count_ * shard_capacity_;
}

boost::system::result<claims, token_error> token_verifier::verify(std::string_view token) const {
  if (auto cached = cache_->find(token)) return std::move(*cached);
  auto verified = codec_->verify(token);
  if (verified) cache_->insert(token, *verified);
  return verified;
}

}  // namespace wsd::auth
