// The response cache shared by all connections: N shards, each an lru_map
// plus its in-flight loads and counters, each touched only on its own strand
// (no mutex anywhere). A key's shard comes from its re-mixed hash.
//
// A hit costs one hop onto the shard's strand (run inline when the shard is
// idle) and one post back to the caller's executor. A miss is single-flight:
// the first caller runs the loader on its own executor while later callers
// for the key wait for that one result. Invalidations mark loads in flight so
// a load that began before a write never stores its older result.
//
// Lifetime: the cache must outlive every coroutine using it and the running
// of its executor's io_context (it is owned by the application, above both).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "wsd/cache/lru_map.hpp"
#include "wsd/core/error.hpp"
#include "wsd/util/clock.hpp"

namespace wsd::cache {

struct options {
  std::size_t shards = 0;  // 0: default_shard_count(hardware threads); else rounded up to 2^k
  // One budget for all shards; an entry may take up to a quarter of it, so any
  // response up to max_bytes / 8 (plus its key and bookkeeping) is cacheable.
  std::size_t max_bytes = std::size_t{64} << 20;
  std::chrono::seconds ttl{300};
  std::chrono::seconds max_stale{0};
  std::chrono::milliseconds sweep_interval{1000};
};

enum class outcome : std::uint8_t { hit, miss, stale };

struct lookup {
  entry_ptr value;
  outcome how = outcome::miss;
};

using load_result = core::result<entry_ptr>;
using get_result = core::result<lookup>;
using loader = std::function<boost::asio::awaitable<load_result>()>;

struct shard_stats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;  // every lookup not answered fresh from the cache
  std::uint64_t stale = 0;   // answers served stale because the load failed
  std::uint64_t loads = 0;   // loader runs (single-flight: at most one per key at a time)
  double hit_rate = 0;       // hits / (hits + misses), 0 before any lookup
  std::size_t entries = 0;
  std::size_t bytes = 0;
  std::size_t capacity_bytes = 0;
  std::uint64_t evictions = 0;
  std::uint64_t expirations = 0;
  std::uint64_t invalidations = 0;  // entries removed by invalidate*, clear
};

struct stats {
  shard_stats total;
  std::vector<shard_stats> per_shard;
  std::size_t shards = 0;
};

// A power of two >= 4 × threads: few enough to stay cheap, enough that
// threads rarely queue on the same strand.
std::size_t default_shard_count(unsigned threads) noexcept;

namespace detail {
struct shard;
}

class sharded_cache {
 public:
  sharded_cache(boost::asio::any_io_executor ex, options opts,
                util::clock const& clock = util::clock::system());
  sharded_cache(sharded_cache const&) = delete;
  sharded_cache& operator=(sharded_cache const&) = delete;
  ~sharded_cache();

  // Hit: the entry. Miss: single-flight load as described above; success is
  // stored (unless invalidated meanwhile) and answered as a miss; a failure
  // reaches every waiter and stores nothing, except that an outage (the
  // database unavailable or timing out) is answered with the expired entry still held within
  // max_stale, as stale. A loader that throws or is cancelled fails its waiters with an internal
  // "load failed" and the exception continues in its own caller. `key` must stay alive until the
  // call completes (it is not copied on a hit). A loader whose captures are trivially copyable and
  // at most 16 bytes ([this, id]) is stored inside the std::function, so a hit allocates nothing
  // for it.
  boost::asio::awaitable<get_result> get(std::string_view key, loader load);

  // These complete once every shard concerned has applied them (a write
  // awaits them before answering: read-your-writes). They return the number
  // of entries removed; loads in flight for a covered key will not store.
  boost::asio::awaitable<std::size_t> invalidate(std::string_view key);
  boost::asio::awaitable<std::size_t> invalidate_matching(std::string_view glob);
  boost::asio::awaitable<std::size_t> clear();

  // Fire-and-forget forms, callable from any thread (e.g. a LISTEN thread).
  void invalidate_detached(std::string key);
  void invalidate_matching_detached(std::string pattern);
  // Fire-and-forget, callable from any thread: the matching entries are
  // expired but kept (see lru_map::expire_matching), so the next get
  // revalidates and an outage still answers them STALE; loads in flight for
  // them will not store.
  void expire_matching_detached(std::string pattern);

  // After `value`, an entry got from this cache under `key`, gained a
  // variant: queues the new charge of its size on its shard (see
  // lru_map::recharge). Callable from any thread.
  void recharge_detached(std::string key, entry_ptr value);

  // The `limit` smallest matching keys, in key order.
  boost::asio::awaitable<std::vector<key_info>> keys(std::string_view glob, std::size_t limit);
  boost::asio::awaitable<stats> statistics();

  // A timer per shard, on its strand, removes entries past ttl + max_stale
  // every sweep_interval. stop() cancels them (shutdown); both are callable
  // from any thread.
  void start_sweeper();
  void stop();

  std::size_t shard_count() const noexcept { return shards_.size(); }

 private:
  detail::shard& shard_for(std::string_view key) const noexcept;
  void trim_detached(detail::shard const* skip);

  options options_;
  util::clock const& clock_;
  byte_budget budget_;  // before shards_: their maps refer to it
  std::atomic<bool> trimming_{false};
  std::vector<std::unique_ptr<detail::shard>> shards_;
};

}  // namespace wsd::cache
