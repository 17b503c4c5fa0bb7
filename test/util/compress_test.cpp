#include "wsd/util/compress.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace wsd::util;

namespace {

std::string sample() {
  std::string text;
  for (int i = 0; i < 500; ++i)
    text += R"({"id":)" + std::to_string(i) + R"(,"name":"ws-)" + std::to_string(i * 7) +
            R"(","status":"online"},)";
  return text;
}

}  // namespace

TEST_SUITE("compress") {
  TEST_CASE("gzip and br round-trip and shrink repetitive JSON") {
    auto const text = sample();
    for (unsigned level : {1U, 6U, 12U}) {
      CAPTURE(level);
      auto const packed = gzip(text, level);
      CHECK(packed.size() < text.size() / 4);
      CHECK(packed.substr(0, 2) == "\x1f\x8b");  // the gzip magic
      CHECK(gunzip(packed, text.size()) == text);
    }
    for (unsigned quality : {0U, 5U, 11U}) {
      CAPTURE(quality);
      auto const packed = brotli(text, quality);
      CHECK(packed.size() < text.size() / 4);
      CHECK(unbrotli(packed, text.size()) == text);
    }
    CHECK(gunzip(compress(text, encoding::gzip, 6, 5), 1 << 20) == text);
    CHECK(unbrotli(compress(text, encoding::br, 6, 5), 1 << 20) == text);
    CHECK(compress(text, encoding::identity, 6, 5) == text);
  }

  TEST_CASE("empty input and the decoders' limits") {
    CHECK(gunzip(gzip("", 6), 10) == std::string());
    CHECK(unbrotli(brotli("", 5), 10) == std::string());
    auto const text = sample();
    CHECK_FALSE(gunzip(gzip(text, 6), text.size() - 1).has_value());
    CHECK_FALSE(unbrotli(brotli(text, 5), text.size() - 1).has_value());
    CHECK_FALSE(gunzip("not gzip", 1000).has_value());
    CHECK_FALSE(unbrotli("not brotli at all", 1000).has_value());
    auto const cut = gzip(text, 6);
    CHECK_FALSE(gunzip(cut.substr(0, cut.size() / 2), 1 << 20).has_value());
    auto const cut_br = brotli(text, 5);
    CHECK_FALSE(unbrotli(cut_br.substr(0, cut_br.size() / 2), 1 << 20).has_value());
  }

  TEST_CASE("coding names") {
    CHECK(to_string(encoding::gzip) == "gzip");
    CHECK(to_string(encoding::br) == "br");
    CHECK(to_string(encoding::identity) == "identity");
  }
}
