#include "wsd/log/logger.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>

namespace wsd::log {

namespace {

using namespace std::chrono_literals;

// Appends s as a JSON string body (without quotes). Request targets come
// from clients, so everything below 0x20, quotes and backslashes is escaped.
void append_escaped(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
}

// UTC time with milliseconds; the seconds part is formatted once a second
// per thread.
void append_time(std::string& out) {
  thread_local std::time_t cached_second = -1;
  thread_local char prefix[32];
  auto const now = std::chrono::system_clock::now();
  auto const secs = std::chrono::system_clock::to_time_t(now);
  if (secs != cached_second) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(prefix, sizeof prefix, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = secs;
  }
  auto const ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms));
  out += prefix;
  out += frac;
}

void write_all(int fd, std::string const& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    auto const n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) return;  // nowhere to report a failing log stream
    off += static_cast<std::size_t>(n);
  }
}

constexpr std::string_view level_name(level l) {
  switch (l) {
    case level::trace:
      return "trace";
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warn:
      return "warn";
    case level::error:
      return "error";
    case level::off:
      break;
  }
  return "off";
}

std::unique_ptr<logger> instance;

}  // namespace

std::optional<level> parse_level(std::string_view text) noexcept {
  for (auto l : {level::trace, level::debug, level::info, level::warn, level::error, level::off})
    if (text == level_name(l)) return l;
  return std::nullopt;
}

logger::logger(level min_level, bool access_enabled, std::size_t max_buffer)
    : min_level_(min_level),
      access_enabled_(access_enabled),
      max_buffer_(max_buffer),
      writer_([this] { run(); }) {}

void logger::append(std::string& buffer, std::string_view line) {
  std::lock_guard lock(mutex_);
  if (buffer.size() + line.size() > max_buffer_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  buffer += line;
}

logger::~logger() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

void logger::access(access_record const& r) {
  if (!access_enabled_) return;
  thread_local std::string line;
  line.clear();
  line += R"({"time":")";
  append_time(line);
  line += R"(","method":")";
  line += r.method;
  line += R"(","target":")";
  append_escaped(line, r.target);
  line += R"(","status":)";
  line += std::to_string(r.status);
  line += R"(,"bytes":)";
  line += std::to_string(r.bytes);
  line += R"(,"duration_us":)";
  line += std::to_string(r.duration_us);
  line += R"(,"remote":")";
  line += r.remote;
  line += R"(","request_id":")";
  append_escaped(line, r.request_id);
  line += "\"}\n";
  append(out_, line);
}

void logger::write(level l, std::string_view message) {
  if (!enabled(l)) return;
  std::string line;
  append_time(line);
  line += ' ';
  line += level_name(l);
  line += ' ';
  line += message;
  line += '\n';
  append(err_, line);
  // Warnings and errors are rare and matter most right when they happen.
  if (l >= level::warn) wake_.notify_one();
}

void logger::flush() {
  std::string out, err;
  {
    std::lock_guard lock(mutex_);
    out.swap(out_);
    err.swap(err_);
  }
  write_all(STDERR_FILENO, err);
  write_all(STDOUT_FILENO, out);
}

void logger::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, 50ms);
    lock.unlock();
    flush();
    lock.lock();
  }
  lock.unlock();
  flush();
}

logger& get() {
  if (!instance) instance = std::make_unique<logger>(level::info, false);
  return *instance;
}

void install(level min_level, bool access_enabled, std::size_t max_buffer) {
  instance.reset();
  instance = std::make_unique<logger>(min_level, access_enabled, max_buffer);
}

}  // namespace wsd::log
