// Process-wide counters of the server: requests, connections, database.
// Everything is a relaxed atomic so that recording costs next to nothing;
// readers (the metrics endpoints) see a consistent-enough snapshot.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "wsd/metrics/histogram.hpp"

namespace wsd::metrics {

struct request_metrics {
  std::atomic<std::int64_t> in_flight{0};
  std::array<std::atomic<std::uint64_t>, 600> by_status{};
  histogram latency;

  void record(unsigned status, std::uint64_t micros) noexcept {
    if (status < by_status.size()) by_status[status].fetch_add(1, std::memory_order_relaxed);
    latency.record(micros);
  }
};

struct connection_metrics {
  std::atomic<std::int64_t> active{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> rejected{0};  // over server.max_connections
};

struct database_metrics {
  std::atomic<std::uint64_t> queries{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::int64_t> in_use{0};
  // Reads whose pooled connection was lost, run again on a fresh one.
  std::atomic<std::uint64_t> retried_reads{0};
  // Calls refused for want of a free pooled connection (not breaker failures).
  std::atomic<std::uint64_t> pool_waits_timed_out{0};
  histogram latency;
};

// The cross-instance change feed (PostgreSQL LISTEN). `expirations` counts
// the times the workstation entries were expired because coherence was in
// doubt, by cause, indexed like db::doubt: listening started, reconnected,
// stalled.
struct change_feed_metrics {
  std::atomic<bool> enabled{false};        // a feed runs (PostgreSQL with a cache)
  std::atomic<std::int64_t> listening{0};  // 1 while LISTEN is established
  std::atomic<std::uint64_t> reconnects{0};
  std::array<std::atomic<std::uint64_t>, 3> expirations{};
};

// Response compression, per coding: index 0 gzip, 1 br.
struct compression_metrics {
  std::array<std::atomic<std::uint64_t>, 2> bytes_in{};   // bodies before compressing
  std::array<std::atomic<std::uint64_t>, 2> bytes_out{};  // and after
  std::array<std::atomic<std::uint64_t>, 2> variants{};   // stored with a cached entry
  std::array<std::atomic<std::uint64_t>, 2> dynamic{};    // compressed for one response

  void record(std::size_t coding, std::size_t in, std::size_t out, bool stored) noexcept {
    bytes_in[coding].fetch_add(in, std::memory_order_relaxed);
    bytes_out[coding].fetch_add(out, std::memory_order_relaxed);
    (stored ? variants : dynamic)[coding].fetch_add(1, std::memory_order_relaxed);
  }
};

// Logins by outcome. Rejections are split by reason: bad credentials
// (checked and wrong), throttled (429, not checked) and overloaded (503:
// auth.max_pending_logins already waiting, not checked).
struct login_metrics {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> bad_credentials{0};
  std::atomic<std::uint64_t> throttled{0};
  std::atomic<std::uint64_t> overloaded{0};

  std::uint64_t rejected() const noexcept {
    return bad_credentials.load(std::memory_order_relaxed) +
           throttled.load(std::memory_order_relaxed) + overloaded.load(std::memory_order_relaxed);
  }
};

struct registry {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  request_metrics requests;
  connection_metrics connections;
  database_metrics database;
  change_feed_metrics change_feed;
  compression_metrics compression;
  login_metrics logins;
};

}  // namespace wsd::metrics
