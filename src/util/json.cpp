#include "wsd/util/json.hpp"

#include <cmath>

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
