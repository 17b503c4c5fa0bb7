// Which coding a response body goes out in, and where its compressed bytes
// come from: a cached entry's variant, made once on first demand, or a
// compression for this response alone. The session gets a ready body and
// headers either way; it never compresses. Bodies compressed for one
// response get gzip at most: br takes about twice gzip's time, which pays
// off only for a variant that is kept and sent again.
#pragma once

#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "wsd/api/context.hpp"
#include "wsd/cache/lru_map.hpp"
#include "wsd/util/compress.hpp"

namespace wsd::api::compression {

// Bodies at least this large are compressed on the blocking pool rather
// than on the io thread (measured at -O2: a 22 KB list takes ~0.05 ms at gzip
// level 6 and ~0.1 ms at brotli quality 5, a 220 KB one 0.7 and 10 ms).
inline constexpr std::size_t offload_bytes = 64 * 1024;

// The ETag of a compressed representation: the identity tag with "-gz" or
// "-br" before its closing quote.
std::string variant_etag(std::string_view etag, util::encoding e);

// If-Match against a resource whose identity ETag is `etag`: the tags of its
// compressed representations name the same state, so they match too.
bool if_match_ok(std::string_view if_match_header, std::string_view etag);

// The coding for a body of `size` bytes: identity when compression is off,
// the body is under compression.min_bytes, or the client accepts neither
// br (only when `kept`: a cached variant) nor gzip. `negotiated` tells
// whether the answer depended on Accept-Encoding (the response then needs
// Vary).
struct choice {
  util::encoding coding = util::encoding::identity;
  bool negotiated = false;
};
choice choose(services const& svc, http::request const& req, std::size_t size, bool kept) noexcept;

// 200 (or 304 for a matching If-None-Match) with the representation of a
// cached `entry` that `req` asks for: its identity body or a variant, made
// now if it is the first demand (its new size is then charged under `key`).
// Adds Vary when negotiated.
boost::asio::awaitable<http::response> entry_response(context& ctx, std::string const& key,
                                                      cache::entry_ptr const& entry,
                                                      std::string_view x_cache);

// A handler's uncached 2xx text or JSON answer, gzipped when the request allows it,
// its ETag (if any) suffixed and If-None-Match checked against it. Answers
// that already carry Vary were negotiated by their handler and are left as
// they are, as are errors and bodiless answers.
boost::asio::awaitable<void> compress_answer(services& svc, http::request const& req,
                                             http::response& res);

}  // namespace wsd::api::compression
