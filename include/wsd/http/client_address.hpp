// Who a request comes from, for throttling: the peer's address, or - only
// when the peer is a trusted proxy (server.trusted_proxies) - the nearest
// address in X-Forwarded-For that is not itself a trusted proxy. Walking the
// list from the right means a client cannot choose its own address by
// sending a forged X-Forwarded-For: only what trusted hops appended counts.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "wsd/config/address_range.hpp"

namespace wsd::http {

// remote is "ip:port" as the session records it ("::1:5000" for IPv6).
// The answer is an address in canonical text form; an entry of
// X-Forwarded-For that is not an address stops the walk at the hop that
// sent it. With no trusted proxies, X-Forwarded-For is ignored.
std::string client_address(std::string_view remote, std::string_view forwarded_for,
                           std::span<config::address_range const> trusted);

}  // namespace wsd::http
