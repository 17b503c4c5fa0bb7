#include "wsd/util/json.hpp"

#include <cmath>
#include <optional>

#include <string>
#include <unordered_set>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

namespace wsd::util {

namespace {

// Boost.JSON turns 1e400 into an infinite double, which it would later write
// as invalid JSON. Recursion is bounded by max_json_depth.
bool all_finite(boost::json::value const& v) noexcept {
  switch (v.kind()) {
    case boost::json::kind::double_:
      return std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (auto const& item : v.get_array())
        if (!all_finite(item)) return false;
      return true;
    case boost::json::kind::object:
      for (auto const& member : v.get_object())
        if (!all_finite(member.value())) return false;
      return true;
    default:
      return true;
  }
}

std::string describe(boost::system::error_code const& ec) {
  using boost::json::error;
  if (ec == error::too_deep)
    return "request body is nested deeper than " + std::to_string(max_json_depth) + " levels";
  if (ec == error::extra_data) return "request body has data after the JSON value";
  if (ec == error::incomplete) return "request body is incomplete JSON";
  if (ec == error::exponent_overflow) return "request body has a number out of range";
  return "request body is not valid JSON (" + ec.message() + ")";
}

std::string_view trim(std::string_view s) noexcept {
  auto const first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  auto const last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

// A second, value-less pass over text already known to be valid: Boost.JSON
// keeps the last of duplicate keys silently, and "last wins" would let a
// client smuggle a field past whoever read the first one. One set of keys
// per open object; arrays push an empty marker.
class duplicate_finder {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::string duplicate;  // the first key seen twice in one object

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    open_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    open_.pop_back();
    return true;
  }
  bool on_array_begin(boost::system::error_code&) {
    open_.emplace_back();
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    open_.pop_back();
    return true;
  }
  bool on_key_part(std::string_view part, std::size_t, boost::system::error_code&) {
    key_.append(part);
    return true;
  }
  bool on_key(std::string_view part, std::size_t, boost::system::error_code& ec) {
    key_.append(part);
    if (!open_.back().insert(key_).second) {
      duplicate = key_;
      ec = boost::json::error::syntax;
      return false;
    }
    key_.clear();
    return true;
  }
  bool on_string_part(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_string(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_uint64(std::uint64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_double(double, std::string_view, boost::system::error_code&) { return true; }
  bool on_bool(bool, boost::system::error_code&) { return true; }
  bool on_null(boost::system::error_code&) { return true; }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }

 private:
  // Arrays get an entry too, so that closing either pops one; theirs stays empty.
  std::vector<std::unordered_set<std::string>> open_;
  std::string key_;
};

// The first key that appears twice in one object of `text`, if any.
std::optional<std::string> duplicate_key(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = max_json_depth;
  boost::json::basic_parser<duplicate_finder> p(options);
  boost::system::error_code ec;
  p.write_some(false, text.data(), text.size(), ec);
  if (!p.handler().duplicate.empty()) return p.handler().duplicate;
  return std::nullopt;
}

}  // namespace

core::result<boost::json::object> parse_json_object(std::string_view body) {
  if (trim(body).empty()) return core::bad_request("request body is empty; expected a JSON object");
  boost::json::parse_options options;
  options.max_depth = max_json_depth;
  unsigned char temp[4096];
  boost::json::parser parser{{}, options, temp};
  boost::system::error_code ec;
  parser.write(body.data(), body.size(), ec);
  if (ec) return core::bad_request(describe(ec));
  auto value = parser.release();
  if (!value.is_object()) return core::bad_request("request body must be a JSON object");
  if (!all_finite(value)) return core::bad_request("request body has a number out of range");
  if (auto const twice = duplicate_key(body))
    return core::bad_request("request body has the key \"" + *twice + "\" twice in one object");
  return std::move(value.get_object());
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending unescaped run
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto const c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\f':
        out.push_back('f');
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\r':
        out.push_back('r');
        break;
      case '\t':
        out.push_back('t');
        break;
      default:
        out.append("u00");
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xF]);
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

}  // namespace wsd::util
