#include "wsd/http/etag.hpp"

#include <bit>

namespace wsd::http {

namespace {

constexpr std::uint64_t prime1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t prime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t prime3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t prime4 = 0x85EBCA77C2B2AE63ULL;
constexpr std::uint64_t prime5 = 0x27D4EB2F165667C5ULL;

// Little-endian loads so the hash is the reference XXH64 on any host.
std::uint64_t load64(char const* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::uint64_t load32(char const* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::uint64_t xxh_round(std::uint64_t acc, std::uint64_t input) noexcept {
  acc += input * prime2;
  return std::rotl(acc, 31) * prime1;
}

std::uint64_t merge_round(std::uint64_t acc, std::uint64_t lane) noexcept {
  acc ^= xxh_round(0, lane);
  return acc * prime1 + prime4;
}

std::uint64_t lanes(char const*& p, char const* end) noexcept {
  std::uint64_t v1 = prime1 + prime2, v2 = prime2, v3 = 0, v4 = 0 - prime1;
  for (; end - p >= 32; p += 32) {
    v1 = xxh_round(v1, load64(p));
    v2 = xxh_round(v2, load64(p + 8));
    v3 = xxh_round(v3, load64(p + 16));
    v4 = xxh_round(v4, load64(p + 24));
  }
  auto h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
  for (auto const v : {v1, v2, v3, v4}) h = merge_round(h, v);
  return h;
}

// The tags of a comma-separated If-Match / If-None-Match list, one at a time.
class tag_list {
 public:
  explicit tag_list(std::string_view header) noexcept : rest_(header) {}

  struct tag {
    bool star = false;
    bool weak = false;
    std::string_view opaque;  // with its quotes
  };

  // False at the end; malformed members are skipped up to the next comma.
  bool next(tag& out) noexcept {
    while (true) {
      skip_separators();
      if (rest_.empty()) return false;
      out = {};
      if (rest_.front() == '*') {
        rest_.remove_prefix(1);
        out.star = true;
        return true;
      }
      if (rest_.starts_with("W/")) {
        out.weak = true;
        rest_.remove_prefix(2);
      }
      if (!rest_.empty() && rest_.front() == '"') {
        auto const close = rest_.find('"', 1);
        if (close != std::string_view::npos) {
          out.opaque = rest_.substr(0, close + 1);
          rest_.remove_prefix(close + 1);
          return true;
        }
      }
      auto const comma = rest_.find(',');
      rest_.remove_prefix(comma == std::string_view::npos ? rest_.size() : comma);
    }
  }

 private:
  void skip_separators() noexcept {
    while (!rest_.empty() &&
           (rest_.front() == ',' || rest_.front() == ' ' || rest_.front() == '\t'))
      rest_.remove_prefix(1);
  }

  std::string_view rest_;
};

struct parsed_etag {
  bool weak;
  std::string_view opaque;
};

parsed_etag split(std::string_view etag) noexcept {
  if (etag.starts_with("W/")) return {true, etag.substr(2)};
  return {false, etag};
}

bool blank(std::string_view header) noexcept {
  return header.find_first_not_of(" \t") == std::string_view::npos;
}

}  // namespace

std::uint64_t hash64(std::string_view data) noexcept {
  char const* p = data.data();
  char const* const end = p + data.size();
  auto h = data.size() >= 32 ? lanes(p, end) : prime5;
  h += data.size();
  for (; end - p >= 8; p += 8) h = std::rotl(h ^ xxh_round(0, load64(p)), 27) * prime1 + prime4;
  if (end - p >= 4) {
    h = std::rotl(h ^ (load32(p) * prime1), 23) * prime2 + prime3;
    p += 4;
  }
  for (; p < end; ++p) h = std::rotl(h ^ (static_cast<unsigned char>(*p) * prime5), 11) * prime1;
  h ^= h >> 33;
  h *= prime2;
  h ^= h >> 29;
  h *= prime3;
  h ^= h >> 32;
  return h;
}

std::string make_etag(std::string_view body) {
  static constexpr char digits[] = "0123456789abcdef";
  auto h = hash64(body);
  std::string out(18, '"');
  for (int i = 16; i >= 1; --i, h >>= 4) out[static_cast<std::size_t>(i)] = digits[h & 0xF];
  return out;
}

bool none_match(std::string_view if_none_match_header, std::string_view etag) noexcept {
  auto const ours = split(etag);
  tag_list list{if_none_match_header};
  tag_list::tag t;
  while (list.next(t))
    if (t.star || t.opaque == ours.opaque) return true;
  return false;
}

bool if_match_ok(std::string_view if_match_header, std::string_view etag) noexcept {
  if (blank(if_match_header)) return true;
  auto const ours = split(etag);
  tag_list list{if_match_header};
  tag_list::tag t;
  while (list.next(t)) {
    if (t.star) return true;
    if (!t.weak && !ours.weak && t.opaque == ours.opaque) return true;
  }
  return false;
}

}  // namespace wsd::http
