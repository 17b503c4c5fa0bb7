// Password hashing with argon2id at OWASP's recommended parameters
// (m = 19 MiB, t = 2, p = 1), stored as PHC strings:
//   $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
// Hashing and verifying take tens of milliseconds of CPU and 19 MiB of
// memory by design: they BLOCK, so callers run them on the blocking pool,
// never on an io_context thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wsd::auth {

inline constexpr std::uint32_t argon2_memory_kib = 19456;
inline constexpr std::uint32_t argon2_iterations = 2;
inline constexpr std::uint32_t argon2_parallelism = 1;
inline constexpr std::size_t argon2_salt_bytes = 16;
inline constexpr std::size_t argon2_hash_bytes = 32;

// A fresh random salt per call. Throws only if the system cannot provide
// randomness or memory.
std::string hash_password(std::string_view password);

// true if password matches encoded, compared in constant time. false for a
// wrong password and for anything that is not an argon2id PHC string with
// sane parameters (so a corrupt row cannot make us allocate gigabytes).
bool verify_password(std::string_view password, std::string_view encoded) noexcept;

// For a login with an unknown username: the same work as verify_password on a
// real hash, so the answer takes as long as for a wrong password.
void burn_verify_time(std::string_view password) noexcept;

// The one password policy, for every way a password is set (API, bootstrap):
// min_length..max_password_length bytes and not the username. Why not, or
// nullopt when acceptable.
inline constexpr std::size_t max_password_length = 1024;
std::optional<std::string> password_problem(std::string_view password, std::string_view username,
                                            std::size_t min_length);

// length characters of [A-Za-z0-9_-] from the OpenSSL CSPRNG (6 bits each):
// the generated admin password.
std::string random_password(std::size_t length = 20);

}  // namespace wsd::auth
