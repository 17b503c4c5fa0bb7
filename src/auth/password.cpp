#include "wsd/auth/password.hpp"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <boost/throw_exception.hpp>
#include <charconv>
#include <limits>
#include <stdexcept>

namespace wsd::auth {
namespace {

constexpr std::string_view prefix = "$argon2id$v=19$";

// Parameters beyond these are refused rather than computed.
constexpr std::uint32_t max_memory_kib = 256 * 1024;
constexpr std::uint32_t max_iterations = 16;
constexpr std::uint32_t max_parallelism = 16;
constexpr std::size_t max_encoded_bytes = 256;

// A hash of a discarded random password, with the current parameters (keep
// them in step: the static_assert below and a test check it).
constexpr std::string_view dummy_hash =
    "$argon2id$v=19$m=19456,t=2,p=1$eoRP9zOHZdPAkJXS9xi+uA$"
    "nYKCP1Fmxv5yTiDIkNig4mzROhmRIrvCVQ70Tgy8GDs";
static_assert(dummy_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));

void random_bytes(unsigned char* out, std::size_t size) {
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      RAND_bytes(out, static_cast<int>(size)) != 1) {
    BOOST_THROW_EXCEPTION(std::runtime_error("RAND_bytes failed"));
  }
}

// Reads "<name>=<digits><end>" at the front of text.
bool read_parameter(std::string_view& text, std::string_view name, char end, std::uint32_t max,
                    std::uint32_t& value) noexcept {
  if (!text.starts_with(name) || text.size() <= name.size() || text[name.size()] != '=') {
    return false;
  }
  text.remove_prefix(name.size() + 1);
  auto const [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr == text.data() || value > max) return false;
  text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
  if (text.empty() || text.front() != end) return false;
  text.remove_prefix(1);
  return true;
}

bool sane_parameters(std::string_view encoded) noexcept {
  if (!encoded.starts_with(prefix)) return false;
  encoded.remove_prefix(prefix.size());
  std::uint32_t memory = 0;
  std::uint32_t iterations = 0;
  std::uint32_t parallelism = 0;
  return read_parameter(encoded, "m", ',', max_memory_kib, memory) &&
         read_parameter(encoded, "t", ',', max_iterations, iterations) &&
         read_parameter(encoded, "p", '$', max_parallelism, parallelism);
}

}  // namespace

std::string hash_password(std::string_view password) {
  if (password.size() > std::numeric_limits<std::uint32_t>::max()) {
    BOOST_THROW_EXCEPTION(std::invalid_argument("password too long"));
  }
  std::array<unsigned char, argon2_salt_bytes> salt{};
  random_bytes(salt.data(), salt.size());
  std::string encoded(argon2_encodedlen(argon2_iterations, argon2_memory_kib, argon2_parallelism,
                                        salt.size(), argon2_hash_bytes, Argon2_id),
                      '\0');
  auto const rc = argon2id_hash_encoded(argon2_iterations, argon2_memory_kib, argon2_parallelism,
                                        password.data(), password.size(), salt.data(), salt.size(),
                                        argon2_hash_bytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    BOOST_THROW_EXCEPTION(std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc)));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view password, std::string_view encoded) noexcept {
  if (encoded.size() >= max_encoded_bytes || !sane_parameters(encoded) ||
      password.size() > std::numeric_limits<std::uint32_t>::max()) {
    return false;
  }
  // argon2 wants a NUL-terminated string.
  std::array<char, max_encoded_bytes> terminated{};
  encoded.copy(terminated.data(), encoded.size());
  return argon2id_verify(terminated.data(), password.data(), password.size()) == ARGON2_OK;
}

void burn_verify_time(std::string_view password) noexcept {
  static_cast<void>(verify_password(password, dummy_hash));
}

std::optional<std::string> password_problem(std::string_view password, std::string_view username,
                                            std::size_t min_length) {
  if (password.size() < min_length || password.size() > max_password_length)
    return "must be " + std::to_string(min_length) + "-" + std::to_string(max_password_length) +
           " characters";
  if (password == username) return std::string("must not be the username");
  return std::nullopt;
}

std::string random_password(std::size_t length) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out(length, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(out.data()), out.size());
  for (auto& c : out) c = alphabet[static_cast<unsigned char>(c) & 63];
  return out;
}

}  // namespace wsd::auth
