#include "wsd/util/percent.hpp"

namespace wsd::util {

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string_view> percent_decode(std::string_view in, std::string& storage,
                                               bool plus_is_space) {
  if (in.find_first_of(plus_is_space ? "%+" : "%") == std::string_view::npos) return in;
  storage.clear();
  storage.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+' && plus_is_space) {
      storage.push_back(' ');
    } else if (in[i] != '%') {
      storage.push_back(in[i]);
    } else {
      if (in.size() - i < 3) return std::nullopt;
      int const high = hex_value(in[i + 1]);
      int const low = hex_value(in[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      storage.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    }
  }
  return std::string_view(storage);
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  std::string name_storage;
  std::string value_storage;
  while (!query.empty()) {
    auto const amp = query.find('&');
    auto const pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto const eq = pair.find('=');
    auto const key = percent_decode(pair.substr(0, eq), name_storage);
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    auto const value = percent_decode(pair.substr(eq + 1), value_storage);
    if (!value) return std::nullopt;
    return std::string(*value);
  }
  return std::nullopt;
}

}  // namespace wsd::util
