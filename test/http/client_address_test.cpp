#include "wsd/http/client_address.hpp"

#include <doctest/doctest.h>

#include <vector>

using wsd::config::address_range;
using wsd::http::client_address;

namespace {

std::vector<address_range> ranges(std::initializer_list<char const*> texts) {
  std::vector<address_range> out;
  for (auto const* t : texts) out.push_back(*address_range::parse(t));
  return out;
}

}  // namespace

TEST_SUITE("client address") {
  TEST_CASE("without trusted proxies the peer is the client, whatever X-Forwarded-For says") {
    CHECK(client_address("127.0.0.1:5000", "", {}) == "127.0.0.1");
    CHECK(client_address("127.0.0.1:5000", "203.0.113.5", {}) == "127.0.0.1");
    CHECK(client_address("::1:5000", "", {}) == "::1");
    CHECK(client_address("::ffff:10.0.0.3:80", "", {}) == "10.0.0.3");
  }

  TEST_CASE("an untrusted peer's X-Forwarded-For is ignored") {
    auto const trusted = ranges({"10.0.0.0/8"});
    CHECK(client_address("192.0.2.1:5000", "203.0.113.5", trusted) == "192.0.2.1");
  }

  TEST_CASE("behind a trusted proxy: the nearest untrusted hop, from the right") {
    auto const trusted = ranges({"127.0.0.1", "10.0.0.0/8"});
    CHECK(client_address("127.0.0.1:5000", "203.0.113.5", trusted) == "203.0.113.5");
    // A client cannot pick its address: what it sent sits left of what the
    // proxy appended.
    CHECK(client_address("127.0.0.1:5000", "1.2.3.4, 203.0.113.5", trusted) == "203.0.113.5");
    // Trusted hops in the chain are skipped.
    CHECK(client_address("127.0.0.1:5000", "198.51.100.2 , 10.1.2.3,10.0.0.9", trusted) ==
          "198.51.100.2");
    // Ports and brackets are tolerated.
    CHECK(client_address("127.0.0.1:5000", "203.0.113.5:4711", trusted) == "203.0.113.5");
    CHECK(client_address("127.0.0.1:5000", "[2001:db8::7]:4711", trusted) == "2001:db8::7");
    CHECK(client_address("127.0.0.1:5000", "2001:db8::7", trusted) == "2001:db8::7");
  }

  TEST_CASE("all hops trusted or no header: the last trusted address") {
    auto const trusted = ranges({"127.0.0.1", "10.0.0.0/8"});
    CHECK(client_address("127.0.0.1:5000", "", trusted) == "127.0.0.1");
    CHECK(client_address("127.0.0.1:5000", "10.0.0.1, 10.0.0.2", trusted) == "10.0.0.1");
  }

  TEST_CASE("garbage stops the walk at the hop that sent it") {
    auto const trusted = ranges({"127.0.0.1", "10.0.0.0/8"});
    CHECK(client_address("127.0.0.1:5000", "unknown", trusted) == "127.0.0.1");
    CHECK(client_address("127.0.0.1:5000", "203.0.113.5, junk, 10.0.0.4", trusted) == "10.0.0.4");
  }
}
