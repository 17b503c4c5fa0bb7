#include "wsd/metrics/histogram.hpp"

#include <algorithm>

namespace wsd::metrics {

void histogram::record(std::uint64_t micros) noexcept {
  auto const it = std::lower_bound(bounds_us.begin(), bounds_us.end(), micros);
  counts_[static_cast<std::size_t>(it - bounds_us.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(micros, std::memory_order_relaxed);
  auto prev = max_us_.load(std::memory_order_relaxed);
  while (prev < micros && !max_us_.compare_exchange_weak(prev, micros, std::memory_order_relaxed)) {
  }
}

histogram::snapshot histogram::read() const noexcept {
  snapshot s;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.count += s.counts[i];
  }
  s.sum_us = sum_us_.load(std::memory_order_relaxed);
  s.max_us = max_us_.load(std::memory_order_relaxed);
  return s;
}

double histogram::snapshot::percentile_us(double q) const noexcept {
  if (count == 0) return 0;
  auto const rank = static_cast<std::uint64_t>(q * static_cast<double>(count) + 0.999999);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    seen += counts[i];
    if (seen >= rank && counts[i] > 0)
      return i < bounds_us.size() ? static_cast<double>(std::min(bounds_us[i], max_us))
                                  : static_cast<double>(max_us);
  }
  return static_cast<double>(max_us);
}

}  // namespace wsd::metrics
