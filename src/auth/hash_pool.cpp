#include "wsd/auth/hash_pool.hpp"

#include <algorithm>

namespace wsd::auth {

hash_pool::hash_pool(unsigned threads, std::size_t max_pending)
    : max_pending_(max_pending), threads_(std::max(threads, 1U)) {}

hash_pool::~hash_pool() {
  stop();
}

hash_pool::admission::~admission() {
  if (owner_) owner_->pending_.fetch_sub(1, std::memory_order_relaxed);
}

std::optional<hash_pool::admission> hash_pool::try_admit() noexcept {
  auto now = pending_.load(std::memory_order_relaxed);
  do {
    if (now >= max_pending_) return std::nullopt;
  } while (!pending_.compare_exchange_weak(now, now + 1, std::memory_order_relaxed));
  return admission(this);
}

void hash_pool::stop() {
  threads_.stop();
  threads_.join();
}

}  // namespace wsd::auth
