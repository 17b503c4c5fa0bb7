// A lock-free latency histogram with fixed, roughly logarithmic buckets.
// Recording is one relaxed atomic increment, cheap enough for every request;
// percentiles are read from the bucket counts.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>

namespace wsd::metrics {

class histogram {
 public:
  // Upper bounds in microseconds; the last bucket is open-ended.
  static constexpr std::array<std::uint64_t, 20> bounds_us{
      50,     100,    250,    500,     1000,    2500,    5000,     10000,    25000,    50000,
      100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 30000000, 60000000, 120000000};

  void record(std::uint64_t micros) noexcept;

  struct snapshot {
    std::array<std::uint64_t, bounds_us.size() + 1> counts{};
    std::uint64_t count = 0;
    std::uint64_t sum_us = 0;
    std::uint64_t max_us = 0;
    // The bucket upper bound (µs) below which the fraction q of samples fall.
    double percentile_us(double q) const noexcept;
  };
  snapshot read() const noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, bounds_us.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_us_{0};
  std::atomic<std::uint64_t> max_us_{0};
};

}  // namespace wsd::metrics
