#include "wsd/auth/jwt.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <atomic>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/throw_exception.hpp>
#include <memory>
#include <stdexcept>
#include <utility>

namespace wsd::auth {
namespace {

using token_result = boost::system::result<claims, token_error>;

// base64url of {"alg":"HS256","typ":"JWT"}: the header of every token we issue,
// recognised without decoding or parsing it.
constexpr std::string_view issued_header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr auto decode_table = [] {
  std::array<std::int8_t, 256> table{};
  table.fill(-1);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}();

void append_base64url(std::string& out, unsigned char const* data, std::size_t size) {
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    auto const n = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8) | data[i + 2];
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (size - i == 1) {
    auto const n = unsigned{data[i]} << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
  } else if (size - i == 2) {
    auto const n = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
  }
}

// Largest decoded size of a part of a token that passed the length check.
constexpr std::size_t max_decoded_bytes = max_token_bytes / 4 * 3;

// Strict unpadded base64url: no '=', no other alphabet, no length that
// cannot occur, no stray bits in the last character (so each byte string has
// exactly one encoding). Returns the decoded size, or nullopt.
std::optional<std::size_t> decode_base64url(std::string_view in, unsigned char* out) noexcept {
  auto const value = [&](std::size_t i) {
    return static_cast<int>(decode_table[static_cast<unsigned char>(in[i])]);
  };
  auto const full = in.size() / 4 * 4;
  std::size_t written = 0;
  for (std::size_t i = 0; i < full; i += 4) {
    auto const a = value(i), b = value(i + 1), c = value(i + 2), d = value(i + 3);
    if ((a | b | c | d) < 0) return std::nullopt;
    auto const n = static_cast<unsigned>((a << 18) | (b << 12) | (c << 6) | d);
    out[written++] = static_cast<unsigned char>(n >> 16);
    out[written++] = static_cast<unsigned char>(n >> 8);
    out[written++] = static_cast<unsigned char>(n);
  }
  switch (in.size() - full) {
    case 0:
      return written;
    case 2: {
      auto const a = value(full), b = value(full + 1);
      if ((a | b) < 0 || (b & 0x0f) != 0) return std::nullopt;
      out[written++] = static_cast<unsigned char>((a << 2) | (b >> 4));
      return written;
    }
    case 3: {
      auto const a = value(full), b = value(full + 1), c = value(full + 2);
      if ((a | b | c) < 0 || (c & 0x03) != 0) return std::nullopt;
      auto const n = static_cast<unsigned>((a << 18) | (b << 12) | (c << 6));
      out[written++] = static_cast<unsigned char>(n >> 16);
      out[written++] = static_cast<unsigned char>(n >> 8);
      return written;
    }
    default:
      return std::nullopt;
  }
}

// Parses decoded JSON text and hands the object to check. The JSON lives on
// the stack unless it outgrows the arena.
template <class Check>
std::optional<token_error> with_json_object(std::string_view text, Check&& check) {
  std::array<unsigned char, 4096> arena;
  boost::json::monotonic_resource resource(arena.data(), arena.size());
  boost::system::error_code ec;
  auto const json = boost::json::parse(text, ec, boost::json::storage_ptr(&resource));
  if (ec || !json.is_object()) return token_error::malformed;
  return std::forward<Check>(check)(json.get_object());
}

// A decoded token part, held on the stack.
struct decoded_part {
  std::array<unsigned char, max_decoded_bytes> bytes;
  std::size_t size = 0;

  bool decode(std::string_view part) noexcept {
    auto const n = decode_base64url(part, bytes.data());
    size = n.value_or(0);
    return n.has_value();
  }
  std::string_view text() const noexcept {
    return {reinterpret_cast<char const*>(bytes.data()), size};
  }
};

std::optional<token_error> check_header(std::string_view header) {
  if (header == issued_header) return std::nullopt;
  decoded_part decoded;
  if (!decoded.decode(header)) return token_error::malformed;
  return with_json_object(
      decoded.text(), [](boost::json::object const& h) -> std::optional<token_error> {
        // "crit" names extensions we would have to understand; we understand none.
        if (h.contains("crit")) return token_error::malformed;
        auto const* alg = h.if_contains("alg");
        if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256") {
          return token_error::bad_algorithm;
        }
        return std::nullopt;
      });
}

// An integer claim; nullopt if it is some other JSON type.
std::optional<std::int64_t> integer_claim(boost::json::value const& v) noexcept {
  if (v.is_int64()) return v.get_int64();
  return std::nullopt;
}

std::optional<token_error> read_claims(boost::json::object const& payload, claims& out) {
  auto const* sub = payload.if_contains("sub");
  auto const* who = payload.if_contains("role");
  auto const* iat = payload.if_contains("iat");
  auto const* exp = payload.if_contains("exp");
  if (sub == nullptr || who == nullptr || iat == nullptr || exp == nullptr) {
    return token_error::missing_claim;
  }
  auto const iat_value = integer_claim(*iat);
  auto const exp_value = integer_claim(*exp);
  auto const role_value = who->is_string() ? parse_role(who->get_string()) : std::optional<role>{};
  if (!sub->is_string() || sub->get_string().empty() || !role_value || !iat_value || !exp_value) {
    return token_error::invalid_claim;
  }
  out.sub.assign(sub->get_string().data(), sub->get_string().size());
  out.who = *role_value;
  out.iat = *iat_value;
  out.exp = *exp_value;
  return std::nullopt;
}

std::int64_t seconds_since_epoch(std::chrono::system_clock::time_point t) noexcept {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

struct mac_deleter {
  void operator()(EVP_MAC* mac) const noexcept { EVP_MAC_free(mac); }
};
struct mac_ctx_deleter {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};

EVP_MAC* hmac_algorithm() {
  static std::unique_ptr<EVP_MAC, mac_deleter> const mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) BOOST_THROW_EXCEPTION(std::runtime_error("OpenSSL has no HMAC"));
  return mac.get();
}

// One HMAC context per thread, keyed with the secret of the codec that used it
// last. Re-initialising a keyed context costs a fraction of keying a new one
// (HMAC() alone costs about five times as much: it fetches the algorithm
// on every call).
struct thread_mac {
  std::uint64_t key_id = 0;
  std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> ctx;
};

EVP_MAC_CTX* keyed_context(std::uint64_t key_id, std::string_view secret) {
  thread_local thread_mac slot;
  if (!slot.ctx) {
    slot.ctx.reset(EVP_MAC_CTX_new(hmac_algorithm()));
    if (!slot.ctx) throw std::bad_alloc();
  }
  if (slot.key_id == key_id) {
    if (EVP_MAC_init(slot.ctx.get(), nullptr, 0, nullptr) != 1) {
      BOOST_THROW_EXCEPTION(std::runtime_error("HMAC re-initialisation failed"));
    }
    return slot.ctx.get();
  }
  slot.key_id = 0;
  char digest_name[] = "SHA256";
  OSSL_PARAM const params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(slot.ctx.get(), reinterpret_cast<unsigned char const*>(secret.data()),
                   secret.size(), params) != 1) {
    BOOST_THROW_EXCEPTION(std::runtime_error("HMAC key set-up failed"));
  }
  slot.key_id = key_id;
  return slot.ctx.get();
}

std::uint64_t next_key_id() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

std::string_view to_string(token_error e) noexcept {
  switch (e) {
    case token_error::malformed:
      return "malformed token";
    case token_error::bad_algorithm:
      return "unsupported token algorithm";
    case token_error::bad_signature:
      return "invalid token signature";
    case token_error::expired:
      return "token expired";
    case token_error::missing_claim:
      return "token lacks a required claim";
    case token_error::invalid_claim:
      return "token has an invalid claim";
  }
  return "invalid token";
}

void throw_exception_from_error(token_error const& e, boost::source_location const& loc) {
  boost::throw_with_location(std::runtime_error(std::string(to_string(e))), loc);
}

jwt_codec::jwt_codec(std::string secret, std::chrono::seconds ttl, util::clock const& clock)
    : secret_(std::move(secret)), ttl_(ttl), clock_(&clock), key_id_(next_key_id()) {}

jwt_codec::digest jwt_codec::sign(std::string_view signing_input) const {
  auto* const ctx = keyed_context(key_id_, secret_);
  digest out{};
  std::size_t size = 0;
  if (EVP_MAC_update(ctx, reinterpret_cast<unsigned char const*>(signing_input.data()),
                     signing_input.size()) != 1 ||
      EVP_MAC_final(ctx, out.data(), &size, out.size()) != 1 || size != out.size()) {
    BOOST_THROW_EXCEPTION(std::runtime_error("HMAC computation failed"));
  }
  return out;
}

std::string jwt_codec::issue(std::string_view subject, role r) const {
  if (subject.empty()) BOOST_THROW_EXCEPTION(std::invalid_argument("empty token subject"));
  auto const iat = seconds_since_epoch(clock_->wall());
  boost::json::object payload;
  payload["sub"] = subject;
  payload["role"] = to_string(r);
  payload["iat"] = iat;
  payload["exp"] = iat + ttl_.count();
  auto const json = boost::json::serialize(payload);

  std::string token(issued_header);
  token += '.';
  append_base64url(token, reinterpret_cast<unsigned char const*>(json.data()), json.size());
  auto const signature = sign(token);
  token += '.';
  append_base64url(token, signature.data(), signature.size());
  return token;
}

token_result jwt_codec::verify(std::string_view token) const {
  if (token.empty() || token.size() > max_token_bytes) return token_error::malformed;
  auto const first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return token_error::malformed;
  auto const second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return token_error::malformed;
  }
  auto const header = token.substr(0, first_dot);
  auto const payload = token.substr(first_dot + 1, second_dot - first_dot - 1);
  auto const signature = token.substr(second_dot + 1);
  // The header comes first so that "alg":"none" tokens, which usually carry
  // an empty signature, are reported as what they are.
  if (header.empty()) return token_error::malformed;
  if (auto const error = check_header(header)) return *error;
  if (payload.empty() || signature.empty()) return token_error::malformed;

  // Every part must be well encoded before the signature says anything.
  decoded_part claims_json;
  decoded_part given;
  if (!claims_json.decode(payload) || !given.decode(signature)) return token_error::malformed;
  auto const expected = sign(token.substr(0, second_dot));
  if (given.size != expected.size() ||
      CRYPTO_memcmp(given.bytes.data(), expected.data(), expected.size()) != 0) {
    return token_error::bad_signature;
  }

  claims out;
  auto const error = with_json_object(
      claims_json.text(), [&out](boost::json::object const& p) { return read_claims(p, out); });
  if (error) return *error;
  if (seconds_since_epoch(clock_->wall()) >= out.exp) return token_error::expired;
  return out;
}

std::optional<std::string_view> bearer_token(std::string_view authorization_header) noexcept {
  constexpr std::string_view scheme = "bearer";
  auto const value = authorization_header;
  if (value.size() <= scheme.size() || value[scheme.size()] != ' ') return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    auto const c = value[i];
    auto const lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != scheme[i]) return std::nullopt;
  }
  auto token = value.substr(scheme.size());
  auto const start = token.find_first_not_of(' ');
  if (start == std::string_view::npos) return std::nullopt;
  token.remove_prefix(start);
  auto const end = token.find_last_not_of(" \t");
  token = token.substr(0, end + 1);
  // Two memchr scans: find_first_of(" \t") would call memchr once per character.
  if (token.find(' ') != std::string_view::npos || token.find('\t') != std::string_view::npos) {
    return std::nullopt;
  }
  return token;
}

}  // namespace wsd::auth
