#include "wsd/cache/lru_map.hpp"

#include <algorithm>
#include <functional>

#include "wsd/cache/glob.hpp"

namespace wsd::cache {

namespace {

// Roughly the entry object, the two shared_ptr control blocks and the body's
// string object; exactness does not matter, proportionality does.
constexpr std::size_t entry_overhead = 160;
// Roughly a variant object, its control block and its body's string object.
constexpr std::size_t variant_overhead = 96;
// Roughly the hash node, its key string and the slot with its two hooks.
constexpr std::size_t slot_overhead = 128;

std::int64_t whole_seconds_floor(clock::duration d) noexcept {
  return std::chrono::floor<std::chrono::seconds>(d).count();
}

std::int64_t whole_seconds_ceil(clock::duration d) noexcept {
  return std::chrono::ceil<std::chrono::seconds>(d).count();
}

}  // namespace

variant_slots::~variant_slots() {
  for (auto& slot : made_) delete slot.load(std::memory_order_acquire);
}

variant const* variant_slots::find(util::encoding e) const noexcept {
  return made_[util::slot_of(e)].load(std::memory_order_acquire);
}

bool variant_slots::claim(util::encoding e) const noexcept {
  return !claimed_[util::slot_of(e)].exchange(true, std::memory_order_acq_rel);
}

void variant_slots::release(util::encoding e) const noexcept {
  claimed_[util::slot_of(e)].store(false, std::memory_order_release);
}

void variant_slots::publish(util::encoding e, variant made) const {
  auto fresh = std::make_unique<variant const>(std::move(made));
  variant const* expected = nullptr;
  // Only the claimant publishes, so the slot is still empty.
  if (made_[util::slot_of(e)].compare_exchange_strong(expected, fresh.get(),
                                                      std::memory_order_acq_rel))
    fresh.release();
}

std::size_t variant_slots::bytes() const noexcept {
  std::size_t total = 0;
  for (auto const& slot : made_)
    if (auto const* v = slot.load(std::memory_order_acquire))
      total += (v->body ? v->body->size() : 0) + v->etag.size() + variant_overhead;
  return total;
}

std::size_t entry::bytes() const noexcept {
  return (body ? body->size() : 0) + etag.size() + variants.bytes() + entry_overhead;
}

std::size_t lru_map::key_hash::operator()(std::string_view key) const noexcept {
  return std::hash<std::string_view>{}(key);
}

lru_map::lru_map(std::size_t max_bytes, clock::duration ttl, clock::duration max_stale)
    : own_budget_(std::make_unique<byte_budget>(max_bytes)),
      budget_(*own_budget_),
      ttl_(ttl),
      max_stale_(max_stale) {}

lru_map::lru_map(byte_budget& budget, clock::duration ttl, clock::duration max_stale)
    : budget_(budget), ttl_(ttl), max_stale_(max_stale) {}

// What this map holds goes back to a shared budget with it.
lru_map::~lru_map() {
  budget_.sub(bytes_);
}

void lru_map::charge_bytes(std::size_t n) noexcept {
  bytes_ += n;
  budget_.add(n);
}

void lru_map::refund_bytes(std::size_t n) noexcept {
  bytes_ -= n;
  budget_.sub(n);
}

std::size_t lru_map::charge(std::string_view key, entry const& value) noexcept {
  return key.size() + value.bytes() + slot_overhead;
}

bool lru_map::dead(slot const& s, clock::time_point now) const noexcept {
  return now - s.stored >= ttl_ + max_stale_;
}

find_result lru_map::classify(slot const& s, clock::time_point now) const noexcept {
  auto const age = now - s.stored;
  if (age < ttl_ && !s.expired) return {s.value, freshness::fresh};
  if (age < ttl_ + max_stale_) return {s.value, freshness::stale};
  return {};
}

void lru_map::remove(slot_table::iterator it) noexcept {
  refund_bytes(it->second.charge);
  slots_.erase(it);  // the hooks unlink the slot from both lists
}

void lru_map::remove(slot& s) noexcept {
  remove(slots_.find(s.key));
}

bool lru_map::insert(std::string_view key, entry_ptr value, clock::time_point now) {
  auto const cost = charge(key, *value);
  auto it = slots_.find(key);
  if (cost > budget_.max_entry()) {
    // The old value is superseded either way; keeping it would serve it.
    if (it != slots_.end()) remove(it);
    return false;
  }
  if (it == slots_.end()) {
    it = slots_.try_emplace(std::string(key)).first;
    it->second.key = it->first;
  } else {
    refund_bytes(it->second.charge);
    it->second.by_use.unlink();
    it->second.by_age.unlink();
  }
  auto& s = it->second;
  s.value = std::move(value);
  s.stored = now;
  s.expired = false;
  s.charge = cost;
  charge_bytes(cost);
  lru_.push_front(s);
  age_.push_back(s);
  // The new slot is at the front: stop before it.
  while (budget_.over() && &lru_.back() != &s) {
    remove(lru_.back());
    ++counters_.evictions;
  }
  return true;
}

std::size_t lru_map::trim(std::size_t share) {
  std::size_t removed = 0;
  std::size_t freed = 0;
  while (freed < share && budget_.over() && !lru_.empty()) {
    freed += lru_.back().charge;
    remove(lru_.back());
    ++removed;
  }
  counters_.evictions += removed;
  return removed;
}

find_result lru_map::find(std::string_view key, clock::time_point now) {
  auto const it = slots_.find(key);
  if (it == slots_.end()) {
    ++counters_.misses;
    return {};
  }
  auto& s = it->second;
  auto result = classify(s, now);
  switch (result.how) {
    case freshness::fresh:
      ++counters_.hits;
      lru_.splice(lru_.begin(), lru_, lru_.iterator_to(s));
      break;
    case freshness::stale:
      ++counters_.stale_hits;
      break;
    case freshness::absent:
      ++counters_.misses;
      ++counters_.expirations;
      remove(it);
      break;
  }
  return result;
}

find_result lru_map::peek(std::string_view key, clock::time_point now) const {
  auto const it = slots_.find(key);
  return it == slots_.end() ? find_result{} : classify(it->second, now);
}

void lru_map::recharge(std::string_view key, entry const* value) {
  auto const it = slots_.find(key);
  if (it == slots_.end() || it->second.value.get() != value) return;
  auto& s = it->second;
  auto const cost = charge(key, *value);
  if (cost > budget_.max_entry()) {
    remove(it);
    ++counters_.evictions;
    return;
  }
  refund_bytes(s.charge);
  s.charge = cost;
  charge_bytes(cost);
  // As after an insert: this map gives what it can, never the grown entry.
  while (budget_.over() && &lru_.back() != &s) {
    remove(lru_.back());
    ++counters_.evictions;
  }
}

bool lru_map::erase(std::string_view key) {
  auto const it = slots_.find(key);
  if (it == slots_.end()) return false;
  remove(it);
  ++counters_.invalidations;
  return true;
}

std::size_t lru_map::erase_matching(std::string_view pattern) {
  std::size_t removed = 0;
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (glob_match(pattern, it->first)) {
      refund_bytes(it->second.charge);
      it = slots_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  counters_.invalidations += removed;
  return removed;
}

std::size_t lru_map::clear() {
  auto const removed = slots_.size();
  slots_.clear();
  refund_bytes(bytes_);
  counters_.invalidations += removed;
  return removed;
}

std::size_t lru_map::expire_matching(std::string_view pattern) {
  std::size_t marked = 0;
  for (auto& [key, s] : slots_) {
    if (s.expired || !glob_match(pattern, key)) continue;
    s.expired = true;
    ++marked;
  }
  return marked;
}

std::size_t lru_map::sweep(clock::time_point now) {
  // age_ is in stamping order and every entry lives equally long, so the dead
  // ones are a prefix of it.
  std::size_t removed = 0;
  while (!age_.empty() && dead(age_.front(), now)) {
    remove(age_.front());
    ++removed;
  }
  counters_.expirations += removed;
  return removed;
}

std::vector<key_info> lru_map::keys(std::string_view pattern, std::size_t limit,
                                    clock::time_point now) const {
  if (limit == 0) return {};
  // A max-heap of the `limit` smallest keys seen so far: only those are copied.
  auto const by_key = [](slot const* a, slot const* b) { return a->key < b->key; };
  std::vector<slot const*> best;
  for (auto const& [key, s] : slots_) {
    if (dead(s, now) || !glob_match(pattern, key)) continue;
    if (best.size() == limit) {
      if (!(key < best.front()->key)) continue;
      std::pop_heap(best.begin(), best.end(), by_key);
      best.pop_back();
    }
    best.push_back(&s);
    std::push_heap(best.begin(), best.end(), by_key);
  }
  std::sort_heap(best.begin(), best.end(), by_key);
  std::vector<key_info> out;
  out.reserve(best.size());
  for (auto const* s : best) {
    auto const age = now - s->stored;
    auto const left = s->expired ? 0 : std::max<std::int64_t>(0, whole_seconds_ceil(ttl_ - age));
    out.push_back({std::string(s->key), whole_seconds_floor(age), left, s->charge});
  }
  return out;
}

lru_counters lru_map::counters() const noexcept {
  auto c = counters_;
  c.entries = slots_.size();
  c.bytes = bytes_;
  return c;
}

}  // namespace wsd::cache
