#include "wsd/http/client_address.hpp"

#include <algorithm>
#include <optional>

#include <boost/asio/ip/address.hpp>

namespace wsd::http {

namespace {

using boost::asio::ip::address;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<address> parse(std::string_view text) {
  boost::system::error_code ec;
  auto const a = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return address(boost::asio::ip::make_address_v4(
        boost::asio::ip::v4_mapped, a.to_v6()));  // a dual-stack socket's view of an IPv4 peer
  return a;
}

// An X-Forwarded-For entry: "1.2.3.4", "1.2.3.4:567", "2001:db8::1" or
// "[2001:db8::1]:567".
std::optional<address> parse_hop(std::string_view hop) {
  if (hop.starts_with('[')) {
    auto const close = hop.find(']');
    return close == std::string_view::npos ? std::nullopt : parse(hop.substr(1, close - 1));
  }
  if (auto const a = parse(hop)) return a;
  auto const colon = hop.rfind(':');
  if (colon == std::string_view::npos || hop.find(':') != colon) return std::nullopt;
  return parse(hop.substr(0, colon));
}

bool is_trusted(address const& a, std::span<config::address_range const> trusted) {
  return std::any_of(trusted.begin(), trusted.end(),
                     [&](config::address_range const& r) { return r.contains(a); });
}

}  // namespace

std::string client_address(std::string_view remote, std::string_view forwarded_for,
                           std::span<config::address_range const> trusted) {
  auto const colon = remote.rfind(':');
  auto const peer_text = colon == std::string_view::npos ? remote : remote.substr(0, colon);
  auto current = parse(peer_text);
  if (!current) return std::string(peer_text);
  while (is_trusted(*current, trusted) && !forwarded_for.empty()) {
    auto const comma = forwarded_for.rfind(',');
    auto const hop =
        trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for =
        comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    auto const next = parse_hop(hop);
    if (!next) break;
    current = next;
  }
  return current->to_string();
}

}  // namespace wsd::http
