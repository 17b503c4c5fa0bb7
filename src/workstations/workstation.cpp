#include "wsd/workstations/workstation.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <boost/json/value.hpp>

#include "wsd/util/json.hpp"

namespace wsd::workstations {

namespace json = boost::json;
using errors = std::vector<core::field_error>;

namespace {

constexpr std::array<std::string_view, 4> status_names{"online", "offline", "maintenance", "error"};

bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_valid_label(std::string_view label) noexcept {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
    return false;
  return std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

bool is_hostname(std::string_view host) noexcept {
  std::string_view label;
  for (std::string_view rest = host;;) {
    auto const dot = rest.find('.');
    label = rest.substr(0, dot);
    if (!is_valid_label(label)) return false;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  // An all-digit last label is a malformed IPv4 address (1.2.3.256), not a name.
  return !std::all_of(label.begin(), label.end(), is_digit);
}

bool is_ip_literal(std::string_view host) noexcept {
  char text[INET6_ADDRSTRLEN];
  if (host.size() >= sizeof text) return false;
  std::memcpy(text, host.data(), host.size());
  text[host.size()] = '\0';
  unsigned char address[sizeof(in6_addr)];
  int const family = host.find(':') == std::string_view::npos ? AF_INET : AF_INET6;
  return inet_pton(family, text, address) == 1;
}

// Number of code points of valid UTF-8 (no overlongs, surrogates or values
// past U+10FFFF), or nullopt.
std::optional<std::size_t> utf8_length(std::string_view text) noexcept {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) {
    auto const c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    unsigned char low = 0x80, high = 0xBF;  // range of the first continuation byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return std::nullopt;
    }
    if (text.size() - i <= extra) return std::nullopt;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto const b = static_cast<unsigned char>(text[i + k]);
      if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xBF)) return std::nullopt;
    }
    i += extra + 1;
  }
  return count;
}

// Reads the fields of a POST or PATCH body, collecting one error per bad field.
class body_reader {
 public:
  explicit body_reader(json::object const& body, bool create) : body_(body), create_(create) {}

  workstation_patch read() {
    workstation_patch out;
    out.name = read_string("name", is_valid_name, "must be 1-64 characters of A-Z a-z 0-9 . _ -");
    read_host(out);
    out.port = read_port();
    out.state = read_status();
    out.description = read_description();
    out.tags = read_tags();
    report_unknown_fields();
    return out;
  }

  errors take_errors() { return std::move(errors_); }

 private:
  void fail(std::string_view field, std::string message) {
    errors_.push_back({std::string(field), std::move(message)});
  }

  // The field's value, or nullptr when absent or null; reports a missing
  // required field and a null one (those fields can't be reset).
  json::value const* find_non_null(std::string_view field, bool required) {
    auto const* v = body_.if_contains(field);
    if (v == nullptr) {
      if (required && create_) fail(field, "is required");
      return nullptr;
    }
    if (v->is_null()) {
      fail(field, "may not be null");
      return nullptr;
    }
    return v;
  }

  std::optional<std::string> read_string(std::string_view field, bool (*valid)(std::string_view),
                                         std::string_view rule, bool required = true) {
    auto const* v = find_non_null(field, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) {
      fail(field, "must be a string");
      return std::nullopt;
    }
    std::string_view const text = v->get_string();
    if (!valid(text)) {
      fail(field, std::string(rule));
      return std::nullopt;
    }
    return std::string(text);
  }

  void read_host(workstation_patch& out) {
    static constexpr std::string_view rule =
        "must be a host name or an IPv4/IPv6 address of at most 253 characters";
    bool const either = body_.contains("host") || body_.contains("ip_address");
    auto host = read_string("host", is_valid_host, rule, !either);
    auto alias = read_string("ip_address", is_valid_host, rule, false);
    if (host && alias && *host != *alias) {
      fail("ip_address", "conflicts with host; send one of them");
      return;
    }
    out.host = host ? std::move(host) : std::move(alias);
  }

  std::optional<std::uint16_t> read_port() {
    auto const* v = find_non_null("port", true);
    if (v == nullptr) return std::nullopt;
    // Integral doubles (8080.0) are integers in JSON; 80.5, strings and bools are not.
    double value = 0;
    if (v->is_int64())
      value = static_cast<double>(v->get_int64());
    else if (v->is_uint64())
      value = static_cast<double>(v->get_uint64());
    else if (v->is_double() && v->get_double() == std::trunc(v->get_double()))
      value = v->get_double();
    if (value < 1 || value > 65535) {
      fail("port", "must be an integer between 1 and 65535");
      return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
  }

  std::optional<status> read_status() {
    auto const* v = find_non_null("status", false);
    if (v == nullptr) return std::nullopt;
    auto const parsed = v->is_string() ? parse_status(v->get_string()) : std::nullopt;
    if (!parsed) fail("status", "must be one of online, offline, maintenance, error");
    return parsed;
  }

  std::optional<std::string> read_description() {
    auto const* v = body_.if_contains("description");
    if (v == nullptr) return std::nullopt;
    if (v->is_null()) return std::string();
    if (!v->is_string()) {
      fail("description", "must be a string");
      return std::nullopt;
    }
    if (v->get_string().size() > max_description_bytes) {
      fail("description", "must be at most 1024 bytes");
      return std::nullopt;
    }
    return std::string(v->get_string());
  }

  std::optional<std::vector<std::string>> read_tags() {
    auto const* v = body_.if_contains("tags");
    if (v == nullptr) return std::nullopt;
    if (v->is_null()) return std::vector<std::string>();
    if (!v->is_array() || v->get_array().size() > max_tags) {
      fail("tags", "must be an array of at most 32 strings");
      return std::nullopt;
    }
    std::vector<std::string> tags;
    auto const& items = v->get_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string() || !is_valid_tag(items[i].get_string())) {
        fail("tags", "element " + std::to_string(i) + " must be a string of 1-64 characters");
        return std::nullopt;
      }
      std::string_view const tag = items[i].get_string();
      if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.emplace_back(tag);
    }
    return tags;
  }

  void report_unknown_fields() {
    // The read-only fields are the server's; clients may echo them back.
    static constexpr std::array<std::string_view, 11> known{
        "name", "host", "ip_address", "port",       "status",    "description",
        "tags", "id",   "version",    "created_at", "updated_at"};
    for (auto const& member : body_)
      if (std::find(known.begin(), known.end(), member.key()) == known.end())
        fail(member.key(), "unknown field");
  }

  json::object const& body_;
  bool create_;
  errors errors_;
};

void append_number(std::string& out, std::int64_t value) {
  char buf[24];
  auto const end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
}

void append_unsigned(std::string& out, std::uint64_t value) {
  char buf[24];
  auto const end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
}

}  // namespace

std::string_view to_string(status s) noexcept {
  auto const index = static_cast<std::size_t>(s);
  return index < status_names.size() ? status_names[index] : "unknown";
}

std::optional<status> parse_status(std::string_view text) noexcept {
  for (std::size_t i = 0; i < status_names.size(); ++i)
    if (status_names[i] == text) return static_cast<status>(i);
  return std::nullopt;
}

bool workstation_patch::empty() const noexcept {
  return !name && !host && !port && !state && !description && !tags;
}

bool is_valid_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_name_length) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool is_valid_host(std::string_view host) noexcept {
  if (host.empty() || host.size() > max_host_length) return false;
  return is_ip_literal(host) || is_hostname(host);
}

bool is_valid_tag(std::string_view tag) noexcept {
  auto const length = utf8_length(tag);
  return length && *length >= 1 && *length <= max_tag_length;
}

boost::system::result<new_workstation, errors> validate_new(json::object const& body) {
  body_reader reader{body, true};
  auto fields = reader.read();
  auto errs = reader.take_errors();
  if (!errs.empty()) return errs;
  new_workstation out;
  out.name = std::move(*fields.name);
  out.host = std::move(*fields.host);
  out.port = *fields.port;
  out.state = fields.state.value_or(status::offline);
  out.description = std::move(fields.description).value_or(std::string());
  out.tags = std::move(fields.tags).value_or(std::vector<std::string>());
  return out;
}

boost::system::result<workstation_patch, errors> validate_patch(json::object const& body) {
  body_reader reader{body, false};
  auto patch = reader.read();
  auto errs = reader.take_errors();
  if (!errs.empty()) return errs;
  return patch;
}

void apply(workstation& w, workstation_patch const& p) {
  if (p.name) w.name = *p.name;
  if (p.host) w.host = *p.host;
  if (p.port) w.port = *p.port;
  if (p.state) w.state = *p.state;
  if (p.description) w.description = *p.description;
  if (p.tags) w.tags = *p.tags;
}

void serialize(workstation const& w, std::string& out) {
  out.append("{\"id\":");
  append_number(out, w.id);
  out.append(",\"name\":");
  util::append_json_string(out, w.name);
  out.append(",\"host\":");
  util::append_json_string(out, w.host);
  out.append(",\"port\":");
  append_unsigned(out, w.port);
  out.append(",\"status\":\"");
  out.append(to_string(w.state));
  out.append("\",\"description\":");
  util::append_json_string(out, w.description);
  out.append(",\"tags\":[");
  for (std::size_t i = 0; i < w.tags.size(); ++i) {
    if (i != 0) out.push_back(',');
    util::append_json_string(out, w.tags[i]);
  }
  out.append("],\"version\":");
  append_number(out, w.version);
  out.append(",\"created_at\":");
  util::append_json_string(out, w.created_at);
  out.append(",\"updated_at\":");
  util::append_json_string(out, w.updated_at);
  out.push_back('}');
}

std::string to_json(workstation const& w) {
  std::string out;
  out.reserve(256 + w.description.size());
  serialize(w, out);
  return out;
}

std::string list_to_json(std::span<workstation const> items, std::int64_t total, unsigned limit,
                         std::uint64_t offset) {
  std::string out;
  out.reserve(64 + items.size() * 256);
  out.append("{\"items\":[");
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out.push_back(',');
    serialize(items[i], out);
  }
  out.append("],\"total\":");
  append_number(out, total);
  out.append(",\"limit\":");
  append_unsigned(out, limit);
  out.append(",\"offset\":");
  append_unsigned(out, offset);
  out.push_back('}');
  return out;
}

std::optional<std::int64_t> parse_id(std::string_view text) noexcept {
  if (text.empty() || !is_digit(text.front())) return std::nullopt;
  std::int64_t id = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id < 1) return std::nullopt;
  return id;
}

}  // namespace wsd::workstations
