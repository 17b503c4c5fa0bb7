// Token verification. The first byte chooses the mode: even, the rest is a
// token as a client would send it (also through bearer_token); odd, the rest
// is "<header JSON>\n<claims JSON>", encoded and signed here with the
// server's secret so the fuzzer reaches the checks behind the signature.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "wsd/auth/jwt.hpp"
#include "wsd/util/clock.hpp"

namespace {

constexpr std::string_view secret = "fuzz-secret-0123456789abcdef0123456789";

std::string base64url(std::string_view in) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (unsigned char const c : in) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += alphabet[(bits >> count) & 0x3F];
    }
  }
  if (count > 0) out += alphabet[(bits << (6 - count)) & 0x3F];
  return out;
}

std::string signed_token(std::string_view header, std::string_view claims) {
  std::string token = base64url(header) + "." + base64url(claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<unsigned char const*>(token.data()), token.size(), mac, &mac_size);
  return token + "." + base64url({reinterpret_cast<char const*>(mac), mac_size});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  static wsd::util::fake_clock const clock;
  static wsd::auth::jwt_codec const codec(std::string(secret), std::chrono::hours(1), clock);
  if (size == 0) return 0;
  std::string_view const rest(reinterpret_cast<char const*>(data) + 1, size - 1);

  if (data[0] % 2 == 0) {
    (void)codec.verify(rest);
    if (auto const token = wsd::auth::bearer_token(rest)) (void)codec.verify(*token);
    return 0;
  }
  auto const split = rest.find('\n');
  auto const header = rest.substr(0, split);
  auto const claims = split == std::string_view::npos ? std::string_view() : rest.substr(split + 1);
  auto const verified = codec.verify(signed_token(header, claims));
  // What verifies names someone.
  if (verified && verified->sub.empty()) std::abort();
  return 0;
}
