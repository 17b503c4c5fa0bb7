#include "wsd/workstations/list_query.hpp"

#include <array>
#include <charconv>

#include "wsd/util/percent.hpp"

namespace wsd::workstations {

namespace {

using errors = std::vector<core::field_error>;

enum class param : std::uint8_t { status, tag, limit, offset };
constexpr std::array<std::string_view, 4> param_names{"status", "tag", "limit", "offset"};

std::optional<param> known_param(std::string_view name) noexcept {
  for (std::size_t i = 0; i < param_names.size(); ++i)
    if (param_names[i] == name) return static_cast<param>(i);
  return std::nullopt;
}

// Digits only (no sign, space or '+'), at most `max`.
std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t max) noexcept {
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  std::uint64_t value = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

class query_parser {
 public:
  void add(std::string_view raw_name, std::string_view raw_value) {
    auto const name = util::percent_decode(raw_name, scratch_);
    auto const which = name ? known_param(*name) : std::nullopt;
    if (!which) return;
    auto const index = static_cast<std::size_t>(*which);
    auto const field = param_names[index];
    if (seen_[index]) {
      // One error per parameter, even when it is repeated many times.
      if (!repeated_[index]) fail(field, "may be given only once");
      repeated_[index] = true;
      return;
    }
    seen_[index] = true;
    auto const value = util::percent_decode(raw_value, scratch_);
    if (!value) return fail(field, "has invalid percent-encoding");
    set(*which, field, *value);
  }

  boost::system::result<list_query, errors> finish() {
    if (!errors_.empty()) return std::move(errors_);
    return std::move(query_);
  }

 private:
  void fail(std::string_view field, std::string_view message) {
    errors_.push_back({std::string(field), std::string(message)});
  }

  void set(param which, std::string_view field, std::string_view value) {
    switch (which) {
      case param::status:
        query_.state = parse_status(value);
        if (!query_.state) fail(field, "must be one of online, offline, maintenance, error");
        return;
      case param::tag:
        if (!is_valid_tag(value)) return fail(field, "must be 1-64 characters");
        query_.tag.emplace(value);
        return;
      case param::limit:
        if (auto const n = parse_count(value, max_list_limit); n && *n >= 1)
          query_.limit = static_cast<unsigned>(*n);
        else
          fail(field, "must be an integer between 1 and 1000");
        return;
      case param::offset:
        if (auto const n = parse_count(value, max_list_offset))
          query_.offset = *n;
        else
          fail(field, "must be an integer between 0 and 9007199254740992");
        return;
    }
  }

  list_query query_;
  errors errors_;
  std::array<bool, 4> seen_{};
  std::array<bool, 4> repeated_{};
  std::string scratch_;
};

bool unreserved(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void append_encoded(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (char const c : text) {
    if (unreserved(c)) {
      out.push_back(c);
      continue;
    }
    auto const byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(hex[byte >> 4]);
    out.push_back(hex[byte & 0xF]);
  }
}

void append_number(std::string& out, std::uint64_t value) {
  char buf[24];
  auto const end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
}

}  // namespace

std::string list_query::normalized() const {
  std::string key;
  key.reserve(64 + (tag ? tag->size() * 3 : 0));
  key.append("limit=");
  append_number(key, limit);
  key.append("&offset=");
  append_number(key, offset);
  if (state) {
    key.append("&status=");
    key.append(to_string(*state));
  }
  if (tag) {
    key.append("&tag=");
    append_encoded(key, *tag);
  }
  return key;
}

boost::system::result<list_query, std::vector<core::field_error>> parse_list_query(
    std::string_view raw_query) {
  query_parser parser;
  while (!raw_query.empty()) {
    auto const amp = raw_query.find('&');
    auto const pair = raw_query.substr(0, amp);
    raw_query.remove_prefix(amp == std::string_view::npos ? raw_query.size() : amp + 1);
    if (pair.empty()) continue;
    auto const eq = pair.find('=');
    parser.add(pair.substr(0, eq),
               eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
  }
  return parser.finish();
}

}  // namespace wsd::workstations
