// An IP address or CIDR range, the entry type of "server.trusted_proxies".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace wsd::config {

class address_range {
 public:
  // "10.0.0.0/8", "2001:db8::/32", or one address ("127.0.0.1", "::1"). The
  // prefix is decimal without a sign; bits past it must be zero (a typo in a
  // trust list should stop the server, not widen the trust); scope ids
  // ("fe80::1%eth0") are refused. IPv4-mapped IPv6 ranges become IPv4 ones.
  static std::optional<address_range> parse(std::string_view text);

  // The single address: a /32 or /128.
  explicit address_range(boost::asio::ip::address const& address);

  // An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 peer)
  // is compared as the IPv4 address it maps.
  bool contains(boost::asio::ip::address const& address) const noexcept;

  // What parse() reads back to this range; a single address has no "/N".
  std::string to_string() const;

  boost::asio::ip::address const& network() const noexcept { return network_; }
  unsigned prefix_length() const noexcept { return prefix_length_; }

  bool operator==(address_range const&) const = default;

 private:
  address_range(boost::asio::ip::address const& network, unsigned prefix_length);

  boost::asio::ip::address network_;
  unsigned prefix_length_;
};

}  // namespace wsd::config
