// Verified tokens, remembered until they expire so that the request path
// checks a token with one hash lookup instead of an HMAC and a JSON parse.
#pragma once

#include <boost/system/result.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "wsd/auth/jwt.hpp"

namespace wsd::auth {

// token -> claims, thread-safe. Consulted on every request from every io
// thread, so it is split into independently locked shards and a lookup hashes
// only the token's tail (its signature, which is uniformly random for tokens
// we issued). At most max_entries tokens are held; when a shard is full its
// expired entries go first, then the one expiring soonest among a few.
// Only tokens that passed jwt_codec::verify belong here.
class token_cache {
 public:
  explicit token_cache(std::size_t max_entries = 65536,
                       util::clock const& clock = util::clock::system());
  ~token_cache();
  token_cache(token_cache const&) = delete;
  token_cache& operator=(token_cache const&) = delete;

  // nullopt if absent or expired (exp <= now).
  std::optional<claims> find(std::string_view token) const;
  // Already expired claims are not stored; max_entries == 0 stores nothing.
  void insert(std::string_view token, claims const& c);
  void clear();
  std::size_t size() const;
  std::size_t capacity() const noexcept;

 private:
  struct shard;
  shard& shard_for(std::uint64_t hash) const noexcept;
  std::int64_t now_seconds() const;

  std::size_t shard_count_;
  std::size_t shard_capacity_;
  std::unique_ptr<shard[]> shards_;
  util::clock const& clock_;
};

// Verifies through the cache: a hit returns the remembered claims, a miss
// runs the codec and remembers a success. Both must outlive the verifier.
class token_verifier {
 public:
  token_verifier(jwt_codec const& codec, token_cache& cache) noexcept
      : codec_(&codec), cache_(&cache) {}

  boost::system::result<claims, token_error> verify(std::string_view token) const;

 private:
  jwt_codec const* codec_;
  token_cache* cache_;
};

}  // namespace wsd::auth
