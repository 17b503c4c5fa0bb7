#include "wsd/auth/secret.hpp"

#include <openssl/rand.h>

#include <array>
#include <boost/throw_exception.hpp>
#include <stdexcept>

namespace wsd::auth {
namespace {

// Compared after normalisation: lowercase letters and digits only.
constexpr std::string_view well_known[] = {
    "secret",
    "secretkey",
    "mysecret",
    "mysecretkey",
    "supersecret",
    "supersecretkey",
    "topsecret",
    "changeme",
    "changeit",
    "password",
    "passw0rd",
    "jwtsecret",
    "jwtsecretkey",
    "jwtkey",
    "yoursecret",
    "yoursecretkey",
    "yourjwtsecret",
    "your256bitsecret",
    "astringsecretatleast256bitslong",                                   // jwt.io's current example
    "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",  // FastAPI tutorial
    "keyboardcat",
    "default",
    "test",
    "testsecret",
    "admin",
    "letmein",
    "qwerty",
    "0123456789",
    "1234567890",
    "abcdefghijklmnopqrstuvwxyz",
};

// Words that mark a value as a placeholder someone forgot to replace.
constexpr std::string_view placeholders[] = {
    "changeme", "replaceme", "changethis", "yoursecret", "insecure",
};

std::string normalise(std::string_view secret) {
  std::string out;
  out.reserve(secret.size());
  for (char c : secret) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += c;
  }
  return out;
}

// Whether text is some unit of at most max_unit characters repeated (here and
// below, the last repetition may be cut short).
bool repeats_short_unit(std::string_view text, std::size_t max_unit) noexcept {
  for (std::size_t unit = 1; unit <= max_unit && unit * 2 <= text.size(); ++unit) {
    if (text.substr(unit) == text.substr(0, text.size() - unit)) return true;
  }
  return false;
}

bool repeats_well_known(std::string_view text) noexcept {
  for (auto const word : well_known) {
    if (!text.starts_with(word)) continue;
    if (text.substr(word.size()) == text.substr(0, text.size() - word.size())) return true;
  }
  return false;
}

bool contains_placeholder(std::string_view text) noexcept {
  for (auto const word : placeholders) {
    if (text.find(word) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

boost::system::result<void, std::string> check_jwt_secret(std::string_view secret) {
  if (secret.size() < min_secret_bytes) {
    return "must be at least " + std::to_string(min_secret_bytes) + " bytes (got " +
           std::to_string(secret.size()) + ")";
  }
  if (repeats_short_unit(secret, 16)) return std::string("is a short pattern repeated");
  auto const normal = normalise(secret);
  if (repeats_short_unit(normal, 16) || repeats_well_known(normal)) {
    return std::string("is a well-known value or a repetition of one");
  }
  if (contains_placeholder(normal)) return std::string("looks like a placeholder value");
  return {};
}

std::string random_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    BOOST_THROW_EXCEPTION(std::runtime_error("RAND_bytes failed"));
  }
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto const b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

}  // namespace wsd::auth
