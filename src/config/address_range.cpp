#include "wsd/config/address_range.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <span>

namespace wsd::config {
namespace {

namespace ip = boost::asio::ip;

unsigned bits_of(ip::address const& address) {
  return address.is_v4() ? 32 : 128;
}

// The first `prefix` bits of `a` and `b` are equal; beyond them bits are ignored.
bool same_prefix(std::span<unsigned char const> a, std::span<unsigned char const> b,
                 unsigned prefix) {
  auto const whole = prefix / 8;
  if (!std::equal(a.begin(), a.begin() + whole, b.begin())) return false;
  auto const rest = prefix % 8;
  if (rest == 0) return true;
  auto const mask = static_cast<unsigned char>(0xFFU << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

bool same_prefix(ip::address const& a, ip::address const& b, unsigned prefix) {
  if (a.is_v4() != b.is_v4()) return false;
  if (a.is_v4()) return same_prefix(a.to_v4().to_bytes(), b.to_v4().to_bytes(), prefix);
  return same_prefix(a.to_v6().to_bytes(), b.to_v6().to_bytes(), prefix);
}

// No bit is set past the prefix: the range is written as its network address.
bool is_network(std::span<unsigned char const> bytes, unsigned prefix) {
  for (auto bit = std::size_t{prefix}; bit < bytes.size() * 8; ++bit) {
    if ((bytes[bit / 8] & (0x80U >> (bit % 8))) != 0) return false;
  }
  return true;
}

bool is_network(ip::address const& address, unsigned prefix) {
  if (address.is_v4()) return is_network(address.to_v4().to_bytes(), prefix);
  return is_network(address.to_v6().to_bytes(), prefix);
}

std::optional<unsigned> parse_prefix(std::string_view text, unsigned bits) {
  unsigned prefix = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), prefix);
  if (text.empty() || text.size() > 3 || ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  if (prefix > bits) return std::nullopt;
  return prefix;
}

ip::address unmapped(ip::address const& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

}  // namespace

std::optional<address_range> address_range::parse(std::string_view text) {
  auto const slash = text.find('/');
  auto const address_text = text.substr(0, slash);
  if (address_text.find('%') != std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  auto const address = ip::make_address(std::string{address_text}, ec);
  if (ec) return std::nullopt;
  auto prefix = bits_of(address);
  if (slash != std::string_view::npos) {
    auto const parsed = parse_prefix(text.substr(slash + 1), prefix);
    if (!parsed) return std::nullopt;
    prefix = *parsed;
  }
  if (!is_network(address, prefix)) return std::nullopt;
  if (address.is_v6() && address.to_v6().is_v4_mapped() && prefix >= 96) {
    return address_range{unmapped(address), prefix - 96};
  }
  return address_range{address, prefix};
}

address_range::address_range(ip::address const& address)
    : address_range{unmapped(address), bits_of(unmapped(address))} {}

address_range::address_range(ip::address const& network, unsigned prefix_length)
    : network_{network}, prefix_length_{prefix_length} {}

bool address_range::contains(ip::address const& address) const noexcept {
  return same_prefix(network_, unmapped(address), prefix_length_);
}

std::string address_range::to_string() const {
  auto text = network_.to_string();
  if (prefix_length_ != bits_of(network_)) text += "/" + std::to_string(prefix_length_);
  return text;
}

}  // namespace wsd::config
