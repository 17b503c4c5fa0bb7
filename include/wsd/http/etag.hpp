// Entity tags for cached workstation bodies and the conditional-request
// headers that compare against them (RFC 9110 section 13).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wsd::http {

// XXH64 (seed 0) of `data`: fast on large list bodies and stable across
// instances, so every instance behind a balancer gives a body the same ETag.
std::uint64_t hash64(std::string_view data) noexcept;

// Strong ETag of a body: a quoted string of 16 lowercase hex digits.
std::string make_etag(std::string_view body);

// If-None-Match: true when the header lists `etag` (weak comparison, so a W/
// prefix on either side is ignored) or is "*"; the caller answers 304.
bool none_match(std::string_view if_none_match_header, std::string_view etag) noexcept;

// If-Match: true when the write may proceed: the header is empty, is "*", or
// lists `etag` under strong comparison (weak tags never match). Otherwise 412.
bool if_match_ok(std::string_view if_match_header, std::string_view etag) noexcept;

}  // namespace wsd::http
