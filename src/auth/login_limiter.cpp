#include "wsd/auth/login_limiter.hpp"

#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace wsd::auth {
namespace {

using time_point = std::chrono::steady_clock::time_point;

// Usernames are keyed by at most this many bytes, so oversized names sent by
// a client cannot grow the table's memory (they share a key, harmlessly).
constexpr std::size_t max_key_bytes = 256;

std::string_view key_of(std::string_view username) noexcept {
  return username.substr(0, std::min(username.size(), max_key_bytes));
}

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

}  // namespace

struct login_limiter::state {
  state(unsigned max, std::chrono::seconds w, util::clock const& clock, std::size_t names)
      : max_failures(max), window(w), clock(clock), max_names(std::max<std::size_t>(names, 1)) {}

  unsigned max_failures;
  std::chrono::seconds window;
  util::clock const& clock;
  std::size_t max_names;
  mutable std::mutex mutex;
  // The most recent failures of each name, oldest first, at most max_failures.
  std::unordered_map<std::string, std::vector<time_point>, string_hash, std::equal_to<>> failures;

  bool in_window(time_point failure, time_point at) const noexcept { return at - failure < window; }

  // When the name stops being blocked; nullopt if it is not blocked at all.
  std::optional<time_point> blocked_until(std::vector<time_point> const& f,
                                          time_point at) const noexcept {
    if (max_failures == 0 || f.size() < max_failures) return std::nullopt;
    auto const oldest_counted = f[f.size() - max_failures];
    if (!in_window(oldest_counted, at)) return std::nullopt;
    return oldest_counted + window;
  }

  void make_room(time_point at) {
    std::erase_if(failures, [&](auto const& kv) { return !in_window(kv.second.back(), at); });
    if (failures.size() < max_names || failures.empty()) return;
    // Keep blocked names if at all possible: evicting one would reopen it.
    auto victim = failures.end();
    bool victim_blocked = true;
    for (auto it = failures.begin(); it != failures.end(); ++it) {
      bool const blocked = blocked_until(it->second, at).has_value();
      if (victim == failures.end() || (victim_blocked && !blocked) ||
          (blocked == victim_blocked && it->second.back() < victim->second.back())) {
        victim = it;
        victim_blocked = blocked;
      }
    }
    failures.erase(victim);
  }
};

login_limiter::login_limiter(unsigned max_failures, std::chrono::seconds window,
                             util::clock const& clock, std::size_t max_names)
    : state_(std::make_unique<state>(max_failures, window, clock, max_names)) {}

login_limiter::~login_limiter() = default;

std::optional<std::chrono::seconds> login_limiter::retry_after(std::string_view username) const {
  auto const now = state_->clock.steady();
  std::lock_guard const lock(state_->mutex);
  auto const it = state_->failures.find(key_of(username));
  if (it == state_->failures.end()) return std::nullopt;
  auto const until = state_->blocked_until(it->second, now);
  if (!until) return std::nullopt;
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(*until - now));
}

void login_limiter::record_failure(std::string_view username) {
  auto const now = state_->clock.steady();
  auto const key = key_of(username);
  std::lock_guard const lock(state_->mutex);
  auto& table = state_->failures;
  auto it = table.find(key);
  if (it == table.end()) {
    if (table.size() >= state_->max_names) state_->make_room(now);
    it = table.emplace(std::string(key), std::vector<time_point>{}).first;
  }
  auto& f = it->second;
  std::erase_if(f, [&](time_point t) { return !state_->in_window(t, now); });
  f.push_back(now);
  if (f.size() > std::max<std::size_t>(state_->max_failures, 1)) f.erase(f.begin());
}

void login_limiter::record_success(std::string_view username) {
  std::lock_guard const lock(state_->mutex);
  if (auto const it = state_->failures.find(key_of(username)); it != state_->failures.end()) {
    state_->failures.erase(it);
  }
}

std::size_t login_limiter::tracked() const {
  std::lock_guard const lock(state_->mutex);
  return state_->failures.size();
}

}  // namespace wsd::auth
