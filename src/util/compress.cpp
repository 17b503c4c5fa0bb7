#include "wsd/util/compress.hpp"

#include <algorithm>
#include <memory>
#include <new>

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <libdeflate.h>

namespace wsd::util {

namespace {

struct compressor_deleter {
  void operator()(libdeflate_compressor* c) const noexcept { libdeflate_free_compressor(c); }
};
using compressor_ptr = std::unique_ptr<libdeflate_compressor, compressor_deleter>;

// A compressor holds ~1 MB of tables at the high levels: allocating it per
// call would cost more than compressing a list, so each thread keeps one.
libdeflate_compressor& compressor_for(unsigned level) {
  thread_local std::array<compressor_ptr, 13> by_level;
  auto& slot = by_level[level];
  if (!slot) {
    slot.reset(libdeflate_alloc_compressor(static_cast<int>(level)));
    if (!slot) throw std::bad_alloc();
  }
  return *slot;
}

// The smallest brotli window that holds the whole input: the encoder sizes
// its tables by the window, and for a 20 KB body the default 4 MiB window
// costs more in setting them up than the compression itself.
int window_bits(std::size_t size) noexcept {
  int bits = BROTLI_MIN_WINDOW_BITS;
  while (bits < BROTLI_MAX_WINDOW_BITS && (std::size_t{1} << bits) - 16 < size) ++bits;
  return bits;
}

}  // namespace

std::string_view to_string(encoding e) noexcept {
  switch (e) {
    case encoding::gzip:
      return "gzip";
    case encoding::br:
      return "br";
    case encoding::identity:
      break;
  }
  return "identity";
}

std::string gzip(std::string_view data, unsigned level) {
  auto& c = compressor_for(std::clamp(level, 1U, 12U));
  std::string out(libdeflate_gzip_compress_bound(&c, data.size()), '\0');
  auto const size = libdeflate_gzip_compress(&c, data.data(), data.size(), out.data(), out.size());
  if (size == 0) throw std::bad_alloc();  // the bound was not enough: cannot happen
  out.resize(size);
  return out;
}

std::string brotli(std::string_view data, unsigned quality) {
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  if (size == 0) size = data.size() + 1024;  // the bound overflowed: not for our bodies
  std::string out(size, '\0');
  if (!BrotliEncoderCompress(static_cast<int>(std::min(quality, 11U)), window_bits(data.size()),
                             BROTLI_MODE_TEXT, data.size(),
                             reinterpret_cast<std::uint8_t const*>(data.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data())))
    throw std::bad_alloc();
  out.resize(size);
  return out;
}

std::string compress(std::string_view data, encoding e, unsigned gzip_level,
                     unsigned brotli_quality) {
  switch (e) {
    case encoding::gzip:
      return gzip(data, gzip_level);
    case encoding::br:
      return brotli(data, brotli_quality);
    case encoding::identity:
      break;
  }
  return std::string(data);
}

std::optional<std::string> gunzip(std::string_view data, std::size_t max_bytes) {
  std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)> d(
      libdeflate_alloc_decompressor(), &libdeflate_free_decompressor);
  if (!d) throw std::bad_alloc();
  std::string out(std::min<std::size_t>(max_bytes, std::max<std::size_t>(data.size() * 4, 4096)),
                  '\0');
  for (;;) {
    std::size_t size = 0;
    auto const r = libdeflate_gzip_decompress(d.get(), data.data(), data.size(), out.data(),
                                              out.size(), &size);
    if (r == LIBDEFLATE_SUCCESS) {
      out.resize(size);
      return out;
    }
    if (r != LIBDEFLATE_INSUFFICIENT_SPACE || out.size() >= max_bytes) return std::nullopt;
    out.resize(std::min(max_bytes, out.size() * 2));
  }
}

std::optional<std::string> unbrotli(std::string_view data, std::size_t max_bytes) {
  std::unique_ptr<BrotliDecoderState, decltype(&BrotliDecoderDestroyInstance)> d(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), &BrotliDecoderDestroyInstance);
  if (!d) throw std::bad_alloc();
  auto const* in = reinterpret_cast<std::uint8_t const*>(data.data());
  std::size_t in_left = data.size();
  std::string out;
  for (;;) {
    std::uint8_t buf[16384];
    auto* next = buf;
    std::size_t out_left = sizeof buf;
    auto const r = BrotliDecoderDecompressStream(d.get(), &in_left, &in, &out_left, &next, nullptr);
    out.append(reinterpret_cast<char const*>(buf), sizeof buf - out_left);
    if (out.size() > max_bytes) return std::nullopt;
    if (r == BROTLI_DECODER_RESULT_SUCCESS) return in_left == 0 ? std::optional(out) : std::nullopt;
    if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) continue;
    return std::nullopt;  // an error, or a stream cut short
  }
}

}  // namespace wsd::util
