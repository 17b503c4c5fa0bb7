// The one owner of workstation caching: the item and list keys, the cached
// GET, and what a committed write forgets. Handlers read through it; the
// repository's on_committed hook and the change feed (other instances'
// writes) tell it what to forget.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "wsd/cache/sharded_cache.hpp"
#include "wsd/core/error.hpp"
#include "wsd/workstations/list_query.hpp"

namespace wsd::api {

class workstation_cache {
 public:
  // `cache` null: caching is off, every GET loads.
  explicit workstation_cache(cache::sharded_cache* cache) noexcept : cache_(cache) {}

  // "workstations:item:<id>"
  static std::string item_key(std::int64_t id);
  // "workstations:list:<normalized query>"
  static std::string list_key(wsd::workstations::list_query const& q);

  // The entry under `key`, loading it on a miss (single-flight, STALE on an
  // outage; see cache::sharded_cache::get). `key` must outlive the call.
  boost::asio::awaitable<cache::get_result> get(std::string_view key,
                                                cache::loader const& load) const;

  // After `entry`, got from get(key), gained a compressed variant: its new
  // size counts against the byte budget.
  void recharge(std::string_view key, cache::entry_ptr const& entry) const;

  // After a committed write of workstation `id`: forgets its item and every
  // list. Callable from any thread; it is queued on the shards before the
  // writer's answer is handed back, and each shard runs its queue in order,
  // so no GET that reaches the cache after the write answered sees the old
  // state (read-your-writes) — also for writes that commit after their
  // caller gave up waiting.
  void forget(std::int64_t id) const;
  // Coherence with other instances is in doubt: every workstation entry is
  // expired but kept, so the next GET revalidates and an outage still gets
  // it STALE. Callable from any thread.
  void expire_all() const;

 private:
  cache::sharded_cache* cache_;
};

}  // namespace wsd::api
