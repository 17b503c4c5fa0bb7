#include "wsd/cache/sharded_cache.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <iterator>
#include <numeric>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wsd/cache/glob.hpp"

namespace wsd::cache {

namespace asio = boost::asio;

namespace detail {

struct flight;

// What probing a shard tells its caller: an answer (a hit, or as a waiter the
// shared result of a load), or that the caller leads the load of the key.
struct probe_outcome {
  get_result answer;
  std::shared_ptr<flight> lead;
};

struct waiter {
  asio::any_io_executor ex;
  asio::any_completion_handler<void(probe_outcome)> resume;
};

// One load in progress, with the callers waiting for it. Touched only on its
// shard's strand, except by its destructor, which runs when the last
// reference goes and so races with nothing.
struct flight {
  flight() = default;
  flight(flight const&) = delete;
  flight& operator=(flight const&) = delete;
  ~flight();

  bool invalidated = false;  // an invalidation covered the key: do not store
  std::vector<waiter> waiters;
};

struct key_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view key) const noexcept {
    return std::hash<std::string_view>{}(key);
  }
};

struct shard {
  shard(asio::any_io_executor const& ex, byte_budget& budget, clock::duration ttl,
        clock::duration max_stale)
      : strand(asio::make_strand(ex)), map(budget, ttl, max_stale), sweeper(strand) {}

  asio::strand<asio::any_io_executor> strand;
  lru_map map;
  // Weak: the leader owns its flight, so a leader that dies without settling
  // frees the key for the next caller instead of blocking it forever.
  std::unordered_map<std::string, std::weak_ptr<flight>, key_hash, std::equal_to<>> flights;
  std::uint64_t stale = 0;
  std::uint64_t loads = 0;
  asio::steady_timer sweeper;
  bool sweeping = false;
};

}  // namespace detail

namespace {

using detail::flight;
using detail::probe_outcome;
using detail::shard;
using strand_type = asio::strand<asio::any_io_executor>;
using use_awaitable_type = decltype(asio::use_awaitable);

// Always a post: resuming inline could run the caller's coroutine inside the
// shard's strand, serializing it with the shard and nesting stacks.
template <typename Handler, typename Value>
void resume_on(asio::any_io_executor const& ex, Handler handler, Value value) {
  asio::post(
      ex, [h = std::move(handler), v = std::move(value)]() mutable { std::move(h)(std::move(v)); });
}

core::error load_failed() {
  return core::internal("load failed");
}

// Runs `fn` on `strand` and completes on the awaiting coroutine's executor:
// one hop in (inline when the strand is idle), one post back.
template <typename Fn>
auto run_on(strand_type const& strand, Fn fn) {
  using value = std::invoke_result_t<Fn&>;
  return asio::async_initiate<use_awaitable_type, void(value)>(
      [&strand](auto handler, Fn fn) {
        asio::any_io_executor caller = asio::get_associated_executor(handler);
        asio::dispatch(
            strand, [fn = std::move(fn), caller = std::move(caller),
                     h = std::move(handler)]() mutable { resume_on(caller, std::move(h), fn()); });
      },
      asio::use_awaitable, std::move(fn));
}

// Runs `fn(shard)` on every shard's strand at once and completes with the
// results, in shard order, when the last shard is done.
template <typename Fn>
auto each_shard(std::vector<std::unique_ptr<shard>> const& shards, Fn fn) {
  using value = std::invoke_result_t<Fn const&, shard&>;
  return asio::async_initiate<use_awaitable_type, void(std::vector<value>)>(
      [&shards](auto handler, Fn fn) {
        // This closure lives in the awaiting coroutine's frame, which the last
        // shard may resume and destroy while the loop below still runs: after
        // the first dispatch only locals may be touched.
        auto const& targets = shards;
        using handler_type = decltype(handler);
        struct gather {
          gather(Fn f, handler_type h, std::size_t n)
              : fn(std::move(f)),
                caller(asio::get_associated_executor(h)),
                done(std::move(h)),
                results(n),
                pending(n) {}
          Fn fn;
          asio::any_io_executor caller;
          handler_type done;
          std::vector<value> results;
          std::atomic<std::size_t> pending;
        };
        auto g = std::make_shared<gather>(std::move(fn), std::move(handler), targets.size());
        for (std::size_t i = 0; i < targets.size(); ++i) {
          auto& s = *targets[i];
          asio::dispatch(s.strand, [g, i, &s] {
            g->results[i] = std::as_const(g->fn)(s);
            // acq_rel: the last shard sees every other shard's result.
            if (g->pending.fetch_sub(1, std::memory_order_acq_rel) == 1)
              resume_on(g->caller, std::move(g->done), std::move(g->results));
          });
        }
      },
      asio::use_awaitable, std::move(fn));
}

// On the shard's strand: a fresh hit answers at once; otherwise the caller
// joins the load in flight for the key, or becomes its leader.
template <typename Handler>
void probe_on_strand(shard& s, std::string_view key, clock::time_point now,
                     asio::any_io_executor caller, Handler handler) {
  auto found = s.map.find(key, now);
  if (found.how == freshness::fresh) {
    resume_on(caller, std::move(handler),
              probe_outcome{lookup{std::move(found.value), outcome::hit}, nullptr});
    return;
  }
  auto const it = s.flights.find(key);
  if (it != s.flights.end()) {
    if (auto const running = it->second.lock()) {
      running->waiters.push_back({std::move(caller), std::move(handler)});
      return;
    }
  }
  auto lead = std::make_shared<flight>();
  if (it != s.flights.end())
    it->second = lead;
  else
    s.flights.emplace(std::string(key), lead);
  ++s.loads;
  resume_on(caller, std::move(handler), probe_outcome{lookup{}, std::move(lead)});
}

auto probe(shard& s, std::string_view key, util::clock const& clock) {
  return asio::async_initiate<use_awaitable_type, void(probe_outcome)>(
      [&s, key, &clock](auto handler) {
        asio::any_io_executor caller = asio::get_associated_executor(handler);
        asio::dispatch(s.strand, [&s, key, &clock, caller = std::move(caller),
                                  h = std::move(handler)]() mutable {
          probe_on_strand(s, key, clock.steady(), std::move(caller), std::move(h));
        });
      },
      asio::use_awaitable);
}

// What the leader and its waiters get for a finished load, storing it if no
// invalidation covered the key meanwhile.
get_result resolve(shard& s, std::string_view key, flight const& f, load_result loaded,
                   clock::time_point now) {
  if (loaded) {
    if (!f.invalidated) s.map.insert(key, *loaded, now);
    return lookup{*loaded, outcome::miss};
  }
  if (loaded.error().is_outage()) {
    // An invalidation removed the entry too, so this never outlives a write.
    auto held = s.map.peek(key, now);
    if (held.how == freshness::stale) {
      s.stale += 1 + f.waiters.size();
      return lookup{std::move(held.value), outcome::stale};
    }
  }
  return loaded.error();
}

get_result settle(shard& s, std::string_view key, flight& f, load_result loaded,
                  clock::time_point now) {
  // An invalidated flight was already detached; the key may run a newer one.
  if (auto const it = s.flights.find(key); !f.invalidated && it != s.flights.end())
    s.flights.erase(it);
  auto answer = resolve(s, key, f, std::move(loaded), now);
  for (auto& w : f.waiters) resume_on(w.ex, std::move(w.resume), probe_outcome{answer, nullptr});
  f.waiters.clear();
  return answer;
}

// A load in flight for an invalidated key must not store, and later callers
// must not join it: they asked after the write.
void detach(std::weak_ptr<flight> const& weak) {
  if (auto const f = weak.lock()) f->invalidated = true;
}

std::size_t drop_key(shard& s, std::string_view key) {
  if (auto const it = s.flights.find(key); it != s.flights.end()) {
    detach(it->second);
    s.flights.erase(it);
  }
  return s.map.erase(key) ? 1 : 0;
}

std::size_t drop_matching(shard& s, std::string_view pattern) {
  std::erase_if(s.flights, [pattern](auto const& item) {
    if (!glob_match(pattern, item.first)) return false;
    detach(item.second);
    return true;
  });
  return s.map.erase_matching(pattern);
}

std::size_t drop_all(shard& s) {
  for (auto const& item : s.flights) detach(item.second);
  s.flights.clear();
  return s.map.clear();
}

void arm_sweeper(shard& s, std::chrono::milliseconds interval, util::clock const& clock) {
  s.sweeper.expires_after(interval);
  s.sweeper.async_wait([&s, interval, &clock](boost::system::error_code ec) {
    // On cancellation the shard may be gone: look at nothing else.
    if (ec || !s.sweeping) return;
    s.map.sweep(clock.steady());
    std::erase_if(s.flights, [](auto const& item) { return item.second.expired(); });
    arm_sweeper(s, interval, clock);
  });
}

double hit_rate(std::uint64_t hits, std::uint64_t misses) noexcept {
  auto const lookups = hits + misses;
  return lookups == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(lookups);
}

shard_stats snapshot(shard const& s) {
  auto const c = s.map.counters();
  shard_stats out;
  out.hits = c.hits;
  out.misses = c.misses + c.stale_hits;  // a stale copy alone still needs a load
  out.stale = s.stale;
  out.loads = s.loads;
  out.hit_rate = hit_rate(out.hits, out.misses);
  out.entries = c.entries;
  out.bytes = c.bytes;
  out.capacity_bytes = s.map.max_bytes();
  out.evictions = c.evictions;
  out.expirations = c.expirations;
  out.invalidations = c.invalidations;
  return out;
}

shard_stats sum(std::vector<shard_stats> const& parts) {
  shard_stats t;
  for (auto const& p : parts) {
    t.hits += p.hits;
    t.misses += p.misses;
    t.stale += p.stale;
    t.loads += p.loads;
    t.entries += p.entries;
    t.bytes += p.bytes;
    t.evictions += p.evictions;
    t.expirations += p.expirations;
    t.invalidations += p.invalidations;
  }
  t.hit_rate = hit_rate(t.hits, t.misses);
  return t;
}

// The murmur3 finalizer: std::hash of a string_view may keep patterns in
// its low bits, and the shard index is taken from the low bits.
std::uint64_t remix(std::uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

detail::flight::~flight() {
  // Reached with waiters only when the leader unwound without settling
  // (exception, cancellation, or its frame destroyed at shutdown).
  for (auto& w : waiters)
    resume_on(w.ex, std::move(w.resume), probe_outcome{load_failed(), nullptr});
}

std::size_t default_shard_count(unsigned threads) noexcept {
  return std::bit_ceil(std::size_t{4} * std::max(threads, 1U));
}

sharded_cache::sharded_cache(asio::any_io_executor ex, options opts, util::clock const& clock)
    : options_(opts),
      clock_(clock),
      budget_(opts.max_bytes, std::max<std::size_t>(opts.max_bytes / 4, 1)) {
  options_.shards = opts.shards == 0 ? default_shard_count(std::thread::hardware_concurrency())
                                     : std::bit_ceil(opts.shards);
  shards_.reserve(options_.shards);
  for (std::size_t i = 0; i < options_.shards; ++i)
    shards_.push_back(std::make_unique<shard>(ex, budget_, opts.ttl, opts.max_stale));
}

sharded_cache::~sharded_cache() = default;

shard& sharded_cache::shard_for(std::string_view key) const noexcept {
  auto const h = remix(std::hash<std::string_view>{}(key));
  return *shards_[h & (shards_.size() - 1)];
}

asio::awaitable<get_result> sharded_cache::get(std::string_view key, loader load) {
  auto& s = shard_for(key);
  auto probed = co_await probe(s, key, clock_);
  if (!probed.lead) co_return std::move(probed.answer);
  // This coroutine leads. Should it unwind before settling, `probed.lead`
  // dies with its frame and fails the waiters (see ~flight).
  auto loaded = co_await load();
  if (loaded && !*loaded) loaded = load_failed();
  auto settled = co_await run_on(
      s.strand, [&] { return settle(s, key, *probed.lead, std::move(loaded), clock_.steady()); });
  if (budget_.over()) trim_detached(&s);
  co_return settled;
}

// The shard that stored an entry evicted what it could of its own; the rest
// comes from the others, each on its strand and each giving an even share,
// so that no shard is emptied for the others. One round at a time: a store
// that finds a round under way leaves the trimming to it, and the round's
// last shard starts another if the budget is still exceeded.
void sharded_cache::trim_detached(shard const* skip) {
  if (trimming_.exchange(true)) return;
  auto const used = budget_.used();
  auto const others = shards_.size() - (skip ? 1 : 0);
  if (used <= budget_.limit() || others == 0) {
    trimming_.store(false);
    return;
  }
  auto const share = (used - budget_.limit()) / others + 1;
  auto const pending = std::make_shared<std::atomic<std::size_t>>(shards_.size());
  for (auto const& s : shards_)
    asio::post(s->strand, [&s = *s, pending, share, skip, this] {
      if (&s != skip) s.map.trim(share);
      if (pending->fetch_sub(1) != 1) return;
      trimming_.store(false);
      if (budget_.over()) trim_detached(nullptr);
    });
}

asio::awaitable<std::size_t> sharded_cache::invalidate(std::string_view key) {
  auto& s = shard_for(key);
  co_return co_await run_on(s.strand, [&] { return drop_key(s, key); });
}

asio::awaitable<std::size_t> sharded_cache::invalidate_matching(std::string_view glob) {
  auto const counts =
      co_await each_shard(shards_, [glob](shard& s) { return drop_matching(s, glob); });
  co_return std::accumulate(counts.begin(), counts.end(), std::size_t{0});
}

asio::awaitable<std::size_t> sharded_cache::clear() {
  auto const counts = co_await each_shard(shards_, [](shard& s) { return drop_all(s); });
  co_return std::accumulate(counts.begin(), counts.end(), std::size_t{0});
}

void sharded_cache::invalidate_detached(std::string key) {
  auto& s = shard_for(key);
  asio::post(s.strand, [&s, key = std::move(key)] { drop_key(s, key); });
}

void sharded_cache::invalidate_matching_detached(std::string pattern) {
  auto const shared = std::make_shared<std::string const>(std::move(pattern));
  for (auto const& s : shards_)
    asio::post(s->strand, [&s = *s, shared] { drop_matching(s, *shared); });
}

void sharded_cache::expire_matching_detached(std::string pattern) {
  auto const shared = std::make_shared<std::string const>(std::move(pattern));
  for (auto const& s : shards_)
    asio::post(s->strand, [&s = *s, shared] {
      // A load that began before coherence was in doubt may read the past.
      std::erase_if(s.flights, [&](auto const& item) {
        if (!glob_match(*shared, item.first)) return false;
        detach(item.second);
        return true;
      });
      s.map.expire_matching(*shared);
    });
}

void sharded_cache::recharge_detached(std::string key, entry_ptr value) {
  auto& s = shard_for(key);
  asio::post(s.strand, [&s, key = std::move(key), value = std::move(value), this] {
    s.map.recharge(key, value.get());
    if (budget_.over()) trim_detached(&s);
  });
}

asio::awaitable<std::vector<key_info>> sharded_cache::keys(std::string_view glob,
                                                           std::size_t limit) {
  auto per_shard = co_await each_shard(
      shards_, [this, glob, limit](shard& s) { return s.map.keys(glob, limit, clock_.steady()); });
  std::vector<key_info> out;
  for (auto& part : per_shard) std::move(part.begin(), part.end(), std::back_inserter(out));
  std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return a.key < b.key; });
  if (out.size() > limit) out.resize(limit);
  co_return out;
}

asio::awaitable<stats> sharded_cache::statistics() {
  auto per_shard = co_await each_shard(shards_, [](shard& s) { return snapshot(s); });
  auto total = sum(per_shard);
  total.capacity_bytes = budget_.limit();
  co_return stats{total, std::move(per_shard), shards_.size()};
}

void sharded_cache::start_sweeper() {
  for (auto const& s : shards_) {
    asio::post(s->strand, [&s = *s, this] {
      if (s.sweeping) return;
      s.sweeping = true;
      arm_sweeper(s, options_.sweep_interval, clock_);
    });
  }
}

void sharded_cache::stop() {
  for (auto const& s : shards_) {
    asio::post(s->strand, [&s = *s] {
      s.sweeping = false;
      s.sweeper.cancel();
    });
  }
}

}  // namespace wsd::cache
