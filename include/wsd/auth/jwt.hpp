// JSON Web Tokens signed with HS256 (HMAC-SHA256), the only algorithm the
// server issues or accepts. Verification is strict (exact "alg", unpadded
// canonical base64url, required claims, enforced expiry) and cheap: bad input
// is reported as a value, never an exception, and the token is decoded and
// parsed in stack buffers (about 1 us per call; token_cache makes repeats
// cost well under 0.1 us).
#pragma once

#include <array>
#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "wsd/auth/role.hpp"
#include "wsd/util/clock.hpp"

namespace wsd::auth {

struct claims {
  std::string sub;
  role who = role::viewer;
  std::int64_t iat = 0;  // seconds since the epoch
  std::int64_t exp = 0;  // seconds since the epoch
  bool operator==(claims const&) const = default;
};

enum class token_error : std::uint8_t {
  malformed,      // not three unpadded base64url parts of JSON objects, or too long
  bad_algorithm,  // header "alg" is not exactly "HS256"
  bad_signature,  // signature does not match this server's secret
  expired,        // now >= exp
  missing_claim,  // sub, role, iat or exp absent
  invalid_claim,  // a claim has the wrong type, an empty sub or an unknown role
};

// A short English description, e.g. for a log line or a 401 message.
std::string_view to_string(token_error e) noexcept;

// Lets result<claims, token_error>::value() throw on error.
[[noreturn]] void throw_exception_from_error(token_error const& e,
                                             boost::source_location const& loc);

// Longer tokens are refused before any work is done.
inline constexpr std::size_t max_token_bytes = 4096;

// Issues and verifies tokens for one secret. Thread-safe: verify() may be called
// concurrently from any number of threads (each thread keeps its own keyed
// HMAC context, so the key schedule is not recomputed per call).
class jwt_codec {
 public:
  jwt_codec(std::string secret, std::chrono::seconds ttl,
            util::clock const& clock = util::clock::system());
  // Copies share the key; there are no separate moves so a moved-from codec
  // never signs with an emptied secret.
  jwt_codec(jwt_codec const&) = default;
  jwt_codec& operator=(jwt_codec const&) = default;
  ~jwt_codec() = default;

  // Header {"alg":"HS256","typ":"JWT"}, claims sub, role, iat = now, exp = now + ttl.
  // subject must be non-empty (std::invalid_argument otherwise).
  std::string issue(std::string_view subject, role r) const;

  boost::system::result<claims, token_error> verify(std::string_view token) const;

  std::chrono::seconds ttl() const noexcept { return ttl_; }

 private:
  using digest = std::array<unsigned char, 32>;
  digest sign(std::string_view signing_input) const;

  std::string secret_;
  std::chrono::seconds ttl_;
  util::clock const* clock_;
  // Identifies secret_ in the per-thread HMAC contexts; copies keep it.
  std::uint64_t key_id_;
};

// The token of an "Authorization: Bearer <token>" value: scheme
// case-insensitive, separated by one or more spaces, the token itself
// non-empty and without spaces. Anything else -> nullopt.
std::optional<std::string_view> bearer_token(std::string_view authorization_header) noexcept;

}  // namespace wsd::auth
