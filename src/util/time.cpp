#include "wsd/util/time.hpp"

#include <cstdint>

namespace wsd::util {

namespace {

using namespace std::chrono;

void append_digits(std::string& out, std::int64_t value, int width) {
  char buf[24];
  int n = 0;
  auto v = value < 0 ? -value : value;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n < width) buf[n++] = '0';
  if (value < 0) out.push_back('-');
  while (n > 0) out.push_back(buf[--n]);
}

// Reads exactly `width` decimal digits at `pos`, advancing it.
std::optional<int> read_digits(std::string_view text, std::size_t& pos, std::size_t width) {
  if (text.size() - pos < width) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    char const c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, std::string_view choices) {
  if (pos >= text.size() || choices.find(text[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

// The fraction after the seconds, as system_clock ticks (extra digits are truncated).
system_clock::duration read_fraction(std::string_view text, std::size_t& pos, bool& ok) {
  using ticks = system_clock::duration;
  auto const per_second = duration_cast<ticks>(seconds{1}).count();
  std::int64_t numerator = 0;
  std::int64_t denominator = 1;
  std::size_t const start = pos;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (denominator < per_second) {
      numerator = numerator * 10 + (text[pos] - '0');
      denominator *= 10;
    }
    ++pos;
  }
  ok = pos > start;
  return ticks{numerator * per_second / denominator};
}

}  // namespace

std::string format_rfc3339(system_clock::time_point t) {
  auto const secs = floor<seconds>(t);
  auto const day = floor<days>(secs);
  year_month_day const ymd{day};
  hh_mm_ss const hms{secs - day};
  std::string out;
  out.reserve(20);
  append_digits(out, static_cast<int>(ymd.year()), 4);
  out.push_back('-');
  append_digits(out, static_cast<unsigned>(ymd.month()), 2);
  out.push_back('-');
  append_digits(out, static_cast<unsigned>(ymd.day()), 2);
  out.push_back('T');
  append_digits(out, hms.hours().count(), 2);
  out.push_back(':');
  append_digits(out, hms.minutes().count(), 2);
  out.push_back(':');
  append_digits(out, hms.seconds().count(), 2);
  out.push_back('Z');
  return out;
}

std::optional<system_clock::time_point> parse_rfc3339(std::string_view text) {
  std::size_t pos = 0;
  auto const y = read_digits(text, pos, 4);
  if (!y || !expect(text, pos, "-")) return std::nullopt;
  auto const mo = read_digits(text, pos, 2);
  if (!mo || !expect(text, pos, "-")) return std::nullopt;
  auto const d = read_digits(text, pos, 2);
  if (!d || !expect(text, pos, "Tt ")) return std::nullopt;
  auto const h = read_digits(text, pos, 2);
  if (!h || !expect(text, pos, ":")) return std::nullopt;
  auto const mi = read_digits(text, pos, 2);
  if (!mi || !expect(text, pos, ":")) return std::nullopt;
  auto const s = read_digits(text, pos, 2);
  if (!s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;

  year_month_day const ymd{year{*y}, month{static_cast<unsigned>(*mo)},
                           day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  system_clock::time_point t = sys_days{ymd} + hours{*h} + minutes{*mi} + seconds{*s};

  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    bool ok = false;
    t += read_fraction(text, pos, ok);
    if (!ok) return std::nullopt;
  }
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    bool const east = text[pos++] == '+';
    auto const oh = read_digits(text, pos, 2);
    if (!oh || !expect(text, pos, ":")) return std::nullopt;
    auto const om = read_digits(text, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    auto const offset = hours{*oh} + minutes{*om};
    t = east ? t - offset : t + offset;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  return t;
}

}  // namespace wsd::util
