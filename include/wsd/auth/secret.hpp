// The policy for the JWT signing secret (WSD_JWT_SECRET): long enough to
// resist brute force and not a value that appears in tutorials.
#pragma once

#include <boost/system/result.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace wsd::auth {

inline constexpr std::size_t min_secret_bytes = 32;

// Success, or why the secret is refused (the message never repeats it).
// Refused: fewer than 32 bytes; a well-known or placeholder value (secret,
// changeme, password, jwt_secret, your-256-bit-secret, the FastAPI tutorial
// key...), compared case-insensitively and ignoring punctuation; a short
// pattern repeated (one character, "abcabc...", "secretsecret...").
// An unset variable is the caller's case: it generates random_secret() and
// warns.
boost::system::result<void, std::string> check_jwt_secret(std::string_view secret);

// 32 bytes from the OpenSSL CSPRNG as 64 lowercase hex characters.
std::string random_secret();

}  // namespace wsd::auth
