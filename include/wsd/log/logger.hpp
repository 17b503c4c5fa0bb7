// Diagnostics (stderr, by level) and the access log (stdout, one JSON line
// per request). Request threads only append to a buffer under a short lock;
// a background thread writes it out, so logging never blocks the hot path on
// a slow terminal or pipe. The buffers are bounded (log.max_buffer_bytes
// each): when the output stalls, further lines are dropped and counted.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace wsd::log {

enum class level : std::uint8_t { trace, debug, info, warn, error, off };

std::optional<level> parse_level(std::string_view text) noexcept;

struct access_record {
  std::string_view method;
  std::string_view target;
  unsigned status;
  std::size_t bytes;
  std::uint64_t duration_us;
  std::string_view remote;
  std::string_view request_id;
};

class logger {
 public:
  static constexpr std::size_t default_max_buffer = std::size_t{8} << 20;

  logger(level min_level, bool access_enabled, std::size_t max_buffer = default_max_buffer);
  ~logger();
  logger(logger const&) = delete;
  logger& operator=(logger const&) = delete;

  bool access_enabled() const noexcept { return access_enabled_; }
  bool enabled(level l) const noexcept { return l >= min_level_ && l != level::off; }

  void access(access_record const& r);
  void write(level l, std::string_view message);
  // Writes everything buffered now (before exit, and in tests).
  void flush();
  // Lines dropped because the output did not keep up.
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  void run();

  // Appends `line` to `buffer` unless that would pass the limit.
  void append(std::string& buffer, std::string_view line);

  level min_level_;
  bool access_enabled_;
  std::size_t max_buffer_;
  std::atomic<std::uint64_t> dropped_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string out_;
  std::string err_;
  bool stopping_ = false;
  std::thread writer_;
};

// The process-wide logger, set up by main before anything logs.
logger& get();
void install(level min_level, bool access_enabled,
             std::size_t max_buffer = logger::default_max_buffer);

inline void error(std::string_view m) {
  get().write(level::error, m);
}
inline void warn(std::string_view m) {
  get().write(level::warn, m);
}
inline void info(std::string_view m) {
  get().write(level::info, m);
}
inline void debug(std::string_view m) {
  if (get().enabled(level::debug)) get().write(level::debug, m);
}

}  // namespace wsd::log
