#include "wsd/auth/login_limiter.hpp"

#include <algorithm>
#include <list>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace wsd::auth {
namespace {

using time_point = util::clock::steady_point;

// Usernames are keyed by at most this many bytes, so oversized names sent by
// a client cannot grow the table's memory (they share a key, harmlessly).
constexpr std::size_t max_name_bytes = 256;

std::string pair_key(std::string_view username, std::string_view address) {
  std::string key(username.substr(0, std::min(username.size(), max_name_bytes)));
  key += '\0';  // not in any username or address: keys cannot collide
  key += address;
  return key;
}

// Failure times per key, oldest first, at most `limit` each, within a bounded
// number of keys kept in least-recently-used order.
class failure_table {
 public:
  failure_table(unsigned limit, std::size_t max_keys)
      : limit_(limit), max_keys_(std::max<std::size_t>(max_keys, 1)) {}

  // When the key is free again, if it is blocked at `now`.
  std::optional<time_point> blocked_until(std::string const& key, time_point now,
                                          std::chrono::seconds window) {
    auto const it = entries_.find(key);
    if (limit_ == 0 || it == entries_.end()) return std::nullopt;
    auto& f = it->second.failures;
    std::erase_if(f, [&](time_point t) { return now - t >= window; });
    if (f.size() < limit_) return std::nullopt;
    return f.front() + window;
  }

  void add(std::string const& key, time_point at) {
    if (limit_ == 0) return;
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      if (entries_.size() >= max_keys_) evict_oldest();
      order_.push_back(key);
      it = entries_.emplace(key, entry{{}, std::prev(order_.end())}).first;
    } else {
      order_.splice(order_.end(), order_, it->second.order);
    }
    auto& f = it->second.failures;
    f.push_back(at);
    if (f.size() > limit_) f.erase(f.begin());
  }

  // Takes back one failure recorded at `at`, if it is still remembered.
  void take_back(std::string const& key, time_point at) {
    auto const it = entries_.find(key);
    if (it == entries_.end()) return;
    auto& f = it->second.failures;
    if (auto const pos = std::find(f.begin(), f.end(), at); pos != f.end()) f.erase(pos);
    if (f.empty()) forget(it);
  }

  void clear(std::string const& key) {
    if (auto const it = entries_.find(key); it != entries_.end()) forget(it);
  }

  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct entry {
    std::vector<time_point> failures;
    std::list<std::string>::iterator order;
  };
  using map = std::unordered_map<std::string, entry>;

  void forget(map::iterator it) {
    order_.erase(it->second.order);
    entries_.erase(it);
  }
  void evict_oldest() { forget(entries_.find(order_.front())); }

  unsigned limit_;
  std::size_t max_keys_;
  map entries_;
  std::list<std::string> order_;  // least recently used first
};

std::chrono::seconds seconds_until(time_point until, time_point now) {
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(until - now));
}

}  // namespace

struct login_limiter::state {
  state(login_limits l, util::clock const& c)
      : window(l.window),
        clock(c),
        pairs(l.per_pair, l.max_pairs),
        addresses(l.per_address, l.max_addresses) {}

  std::chrono::seconds window;
  util::clock const& clock;
  mutable std::mutex mutex;
  failure_table pairs;
  failure_table addresses;
};

login_limiter::login_limiter(login_limits limits, util::clock const& clock)
    : state_(std::make_unique<state>(limits, clock)) {}

login_limiter::~login_limiter() = default;

login_limiter::verdict login_limiter::reserve(std::string_view username, std::string_view address) {
  auto& s = *state_;
  auto const now = s.clock.steady();
  attempt a{pair_key(username, address), std::string(address), now};
  std::lock_guard const lock(s.mutex);
  auto const pair_until = s.pairs.blocked_until(a.pair, now, s.window);
  auto const address_until = s.addresses.blocked_until(a.address, now, s.window);
  if (pair_until || address_until) {
    auto const until = std::max(pair_until.value_or(now), address_until.value_or(now));
    return verdict{std::nullopt, seconds_until(until, now)};
  }
  s.pairs.add(a.pair, now);
  s.addresses.add(a.address, now);
  return verdict{std::move(a), std::chrono::seconds(0)};
}

void login_limiter::succeeded(attempt const& a) {
  std::lock_guard const lock(state_->mutex);
  state_->pairs.clear(a.pair);
  state_->addresses.take_back(a.address, a.at);
}

void login_limiter::withdraw(attempt const& a) {
  std::lock_guard const lock(state_->mutex);
  state_->pairs.take_back(a.pair, a.at);
  state_->addresses.take_back(a.address, a.at);
}

std::size_t login_limiter::tracked_pairs() const {
  std::lock_guard const lock(state_->mutex);
  return state_->pairs.size();
}

std::size_t login_limiter::tracked_addresses() const {
  std::lock_guard const lock(state_->mutex);
  return state_->addresses.size();
}

}  // namespace wsd::auth
