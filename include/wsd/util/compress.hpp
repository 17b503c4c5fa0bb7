// Content codings for response bodies: gzip through libdeflate (faster than
// zlib at the same ratio) and br through brotli. Pure functions of their
// input; each thread keeps its own compressor per level, so a call allocates
// only its output.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wsd::util {

enum class encoding : std::uint8_t { identity, gzip, br };

// The codings a body may be stored in besides identity, in index order.
inline constexpr std::array<encoding, 2> compressed_encodings{encoding::gzip, encoding::br};

// 0 for gzip, 1 for br: the slot of a compressed coding.
constexpr std::size_t slot_of(encoding e) noexcept {
  return e == encoding::br ? 1 : 0;
}

// The Content-Encoding token: "gzip", "br", or "identity".
std::string_view to_string(encoding e) noexcept;

// `level` is libdeflate's 1..12 (clamped).
std::string gzip(std::string_view data, unsigned level);
// `quality` is brotli's 0..11 (clamped).
std::string brotli(std::string_view data, unsigned quality);
// Either of the above; identity returns a copy.
std::string compress(std::string_view data, encoding e, unsigned gzip_level,
                     unsigned brotli_quality);

// The decoded bytes, or nothing when `data` is not a valid stream or would
// exceed `max_bytes` decoded.
std::optional<std::string> gunzip(std::string_view data, std::size_t max_bytes);
std::optional<std::string> unbrotli(std::string_view data, std::size_t max_bytes);

}  // namespace wsd::util
