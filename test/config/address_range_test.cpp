#include "wsd/config/address_range.hpp"

#include <string>

#include <doctest/doctest.h>

namespace {

using wsd::config::address_range;
namespace ip = boost::asio::ip;

address_range range(std::string_view text) {
  auto const parsed = address_range::parse(text);
  REQUIRE_MESSAGE(parsed.has_value(), std::string{text});
  return *parsed;
}

bool contains(std::string_view range_text, char const* address) {
  return range(range_text).contains(ip::make_address(address));
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("address_range parses addresses and CIDR ranges") {
    CHECK(range("127.0.0.1").prefix_length() == 32);
    CHECK(range("10.0.0.0/8").prefix_length() == 8);
    CHECK(range("0.0.0.0/0").prefix_length() == 0);
    CHECK(range("::1").prefix_length() == 128);
    CHECK(range("2001:db8::/32").prefix_length() == 32);
    CHECK(range("::/0").prefix_length() == 0);
    CHECK(range("10.0.0.0/08").prefix_length() == 8);
    CHECK(range("127.0.0.1/32") == range("127.0.0.1"));
    // A dual-stack socket sees IPv4 peers as IPv4-mapped IPv6 addresses.
    CHECK(range("::ffff:10.0.0.0/104") == range("10.0.0.0/8"));
    CHECK(range("::ffff:127.0.0.1") == range("127.0.0.1"));
  }

  TEST_CASE("address_range refuses anything else") {
    for (auto const* text : {"",
                             "/8",
                             "localhost",
                             "10.0.0",
                             "10.0.0.256",
                             "010.0.0.1",
                             "10.0.0.0/33",
                             "::/129",
                             "10.0.0.0/",
                             "10.0.0.0/-1",
                             "10.0.0.0/+8",
                             "10.0.0.0/8/8",
                             "10.0.0.0/ 8",
                             " 10.0.0.0",
                             "10.0.0.0 ",
                             "10.0.0.0/0008",
                             "fe80::1%eth0",
                             "fe80::/10%1",
                             "10.0.0.1/8",
                             "2001:db8::1/32",
                             "1.2.3.4:80",
                             "[::1]"}) {
      CHECK_FALSE_MESSAGE(address_range::parse(text).has_value(), text);
    }
  }

  TEST_CASE("address_range::contains") {
    CHECK(contains("10.0.0.0/8", "10.255.1.2"));
    CHECK_FALSE(contains("10.0.0.0/8", "11.0.0.0"));
    CHECK(contains("192.168.1.128/25", "192.168.1.255"));
    CHECK_FALSE(contains("192.168.1.128/25", "192.168.1.127"));
    CHECK(contains("127.0.0.1", "127.0.0.1"));
    CHECK_FALSE(contains("127.0.0.1", "127.0.0.2"));
    CHECK(contains("0.0.0.0/0", "203.0.113.9"));
    CHECK(contains("2001:db8::/32", "2001:db8:ffff::1"));
    CHECK_FALSE(contains("2001:db8::/32", "2001:db9::1"));
    CHECK(contains("::1", "::1"));
    CHECK(contains("fe80::/10", "febf::1"));
    CHECK_FALSE(contains("fe80::/10", "fec0::1"));
    SUBCASE("families never mix, except an IPv4-mapped peer that is compared as IPv4") {
      CHECK_FALSE(contains("::/0", "10.0.0.1"));
      CHECK_FALSE(contains("0.0.0.0/0", "::1"));
      CHECK(contains("10.0.0.0/8", "::ffff:10.1.2.3"));
      CHECK(contains("127.0.0.1", "::ffff:127.0.0.1"));
      CHECK_FALSE(contains("10.0.0.0/8", "::ffff:11.1.2.3"));
    }
    SUBCASE("a single address from a peer's endpoint") {
      address_range const peer{ip::make_address("::ffff:192.0.2.1")};
      CHECK(peer == range("192.0.2.1"));
      CHECK(peer.contains(ip::make_address("192.0.2.1")));
    }
  }

  TEST_CASE("address_range::to_string reads back to the same range") {
    for (auto const* text :
         {"127.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "::1", "2001:db8::/32", "::/0", "fe80::/10"}) {
      CHECK(range(text).to_string() == text);
      CHECK(range(range(text).to_string()) == range(text));
    }
    CHECK(range("127.0.0.1/32").to_string() == "127.0.0.1");
    CHECK(range("2001:0db8:0000::/32").to_string() == "2001:db8::/32");
  }
}
