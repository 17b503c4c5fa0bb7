// Black-box tests of compressed responses (SPEC.md "Compression"): gzip and
// br bodies that decode to exactly the identity JSON, Accept-Encoding
// negotiation with q-values, Vary, one variant per cached entry with its own
// ETag, invalidation of every variant by a write, tiny bodies sent as they
// are, HEAD like GET, uncached bodies compressed on the fly. The real wsd
// binary on an ephemeral port with a temporary SQLite database.
#include "support/await.hpp"
#include "support/cache_server.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "wsd/util/compress.hpp"

namespace {

namespace json = boost::json;
using namespace wsd::test;
using namespace std::chrono_literals;

constexpr std::size_t decode_limit = 16 << 20;

// A list body well above compression.min_bytes (1024 by default).
void fill(cache_server const& s, int count = 12) {
  for (int i = 0; i < count; ++i) s.create("ws-" + std::to_string(i), "online", "rack row seat");
}

http_response get(cache_server const& s, std::string const& target, std::string accept,
                  header_list extra = {}) {
  extra.emplace_back("Accept-Encoding", std::move(accept));
  return s.call("GET", target, {}, std::move(extra));
}

// The identity bytes of a response, whatever its Content-Encoding.
std::string decoded(http_response const& r) {
  auto const coding = r.header("Content-Encoding");
  if (coding.empty()) return r.body;
  auto const out = coding == "gzip" ? wsd::util::gunzip(r.body, decode_limit)
                   : coding == "br" ? wsd::util::unbrotli(r.body, decode_limit)
                                    : std::nullopt;
  INFO("Content-Encoding: " << coding);
  REQUIRE(out.has_value());
  return *out;
}

std::int64_t compression_counter(cache_server const& s, std::string_view coding,
                                 std::string_view field) {
  auto const m = s.metrics();
  return integer(object_at(object_at(m, "compression"), coding), field);
}

}  // namespace

TEST_SUITE("compression api") {
  TEST_CASE("gzip and br bodies decode to the identity JSON, each with its own ETag and 304") {
    cache_server const s;
    fill(s);
    auto const target = list_path("");
    auto const identity = get(s, target, "identity");
    REQUIRE(identity.status == 200);
    CHECK(identity.body.size() > 1024);
    CHECK_FALSE(identity.has_header("Content-Encoding"));
    CHECK(identity.header("Vary") == "Accept-Encoding");
    auto const plain_etag = identity.header("ETag");

    std::set<std::string> etags{plain_etag};
    for (auto const* coding : {"gzip", "br"}) {
      CAPTURE(coding);
      auto const first = get(s, target, coding);
      REQUIRE(first.status == 200);
      CHECK(first.header("Content-Encoding") == coding);
      CHECK(first.header("Vary") == "Accept-Encoding");
      CHECK(first.header("X-Cache") == "HIT");
      CHECK(first.body.size() < identity.body.size() / 2);
      CHECK(decoded(first) == identity.body);
      auto const etag = first.header("ETag");
      CHECK(etags.insert(etag).second);  // differs from every other representation

      auto const second = get(s, target, coding);
      CHECK(second.header("X-Cache") == "HIT");
      CHECK(second.body == first.body);  // made once, sent again as it is
      CHECK(second.header("ETag") == etag);

      auto const not_modified = get(s, target, coding, {{"If-None-Match", etag}});
      CHECK(not_modified.status == 304);
      CHECK(not_modified.body.empty());
      CHECK(not_modified.header("ETag") == etag);
      CHECK(not_modified.header("Vary") == "Accept-Encoding");
      // Another representation's tag does not match this one.
      CHECK(get(s, target, coding, {{"If-None-Match", plain_etag}}).status == 200);
      CHECK(get(s, target, "identity", {{"If-None-Match", etag}}).status == 200);
    }
    CHECK(get(s, target, "identity", {{"If-None-Match", plain_etag}}).status == 304);
    CHECK(compression_counter(s, "gzip", "variants") == 1);
    CHECK(compression_counter(s, "br", "variants") == 1);
    CHECK(compression_counter(s, "gzip", "bytes_in") ==
          static_cast<std::int64_t>(identity.body.size()));
    CHECK(compression_counter(s, "gzip", "bytes_out") < compression_counter(s, "gzip", "bytes_in"));
  }

  TEST_CASE("q-values, * and q=0 choose the coding") {
    cache_server const s;
    fill(s);
    auto const target = list_path("");
    auto const coding = [&](std::string accept) {
      auto const r = get(s, target, std::move(accept));
      REQUIRE(r.status == 200);
      CHECK(r.header("Vary") == "Accept-Encoding");
      return r.header("Content-Encoding");
    };
    CHECK(coding("gzip, deflate, br") == "br");
    CHECK(coding("gzip;q=1, br;q=0.5") == "gzip");
    CHECK(coding("br;q=0, gzip") == "gzip");
    CHECK(coding("gzip;q=0, br;q=0") == "");
    CHECK(coding("*") == "br");
    CHECK(coding("br;q=0, *") == "gzip");
    CHECK(coding("*;q=0, identity") == "");
    CHECK(coding("gzip;q=0.5, identity") == "");
    CHECK(coding("deflate") == "");
    CHECK(s.call("GET", target).header("Content-Encoding").empty());  // no header: identity
  }

  TEST_CASE("a write invalidates every variant") {
    cache_server const s;
    fill(s);
    auto const target = list_path("");
    auto const id = s.create("ws-changing");
    std::map<std::string, http_response> before;
    for (auto const* coding : {"gzip", "br"}) {
      get(s, target, coding);
      before[coding] = get(s, target, coding);
      CHECK(before[coding].header("X-Cache") == "HIT");
    }
    auto const patched =
        s.call("PATCH", item_path(id), R"({"description":"moved to the other building"})");
    REQUIRE(patched.status == 200);
    CHECK(get(s, target, "br").header("X-Cache") == "MISS");  // the entry went
    for (auto const* coding : {"gzip", "br"}) {
      CAPTURE(coding);
      auto const after = get(s, target, coding);
      CHECK(after.header("Content-Encoding") == coding);
      CHECK(after.header("ETag") != before[coding].header("ETag"));
      CHECK(after.body != before[coding].body);
      CHECK(decoded(after).find("moved to the other building") != std::string::npos);
      CHECK(decoded(before[coding]).find("moved to the other building") == std::string::npos);
    }
    CHECK(decoded(get(s, target, "gzip")) == get(s, target, "identity").body);
  }

  TEST_CASE("a list larger than the io-thread limit is compressed on the pool, once") {
    cache_server const s;
    // 80 items of ~1.2 KB: well past compression::offload_bytes (64 KiB).
    for (int i = 0; i < 80; ++i)
      s.create("ws-large-" + std::to_string(i), "online", std::string(1000, 'a' + i % 26));
    auto const target = list_path("?limit=100");
    auto const identity = get(s, target, "identity");
    REQUIRE(identity.body.size() > 64 * 1024);
    for (auto const* coding : {"gzip", "br"}) {
      CAPTURE(coding);
      auto const first = get(s, target, coding);
      CHECK(first.header("Content-Encoding") == coding);
      CHECK(decoded(first) == identity.body);
      CHECK(get(s, target, coding).body == first.body);
      CHECK(compression_counter(s, coding, "variants") == 1);
    }
  }

  TEST_CASE("variants count in the cache's bytes") {
    cache_server const s;
    fill(s);
    auto const target = list_path("");
    CHECK(get(s, target, "identity").status == 200);
    auto const plain = integer(s.stats(), "bytes");
    auto const gz = get(s, target, "gzip");
    REQUIRE(gz.status == 200);
    CHECK(eventually(
        [&] {
          return integer(s.stats(), "bytes") >= plain + static_cast<std::int64_t>(gz.body.size());
        },
        10s, 20ms));
  }

  TEST_CASE("a tiny body is never compressed") {
    cache_server const s;
    auto const id = s.create("ws-small");
    for (auto const& target : {item_path(id), list_path("?limit=1")}) {
      CAPTURE(target);
      auto const r = get(s, target, "gzip, br");
      REQUIRE(r.status == 200);
      CHECK(r.body.size() < 1024);
      CHECK_FALSE(r.has_header("Content-Encoding"));
      CHECK_FALSE(r.has_header("Vary"));
      CHECK(r.json().is_object());
    }
    CHECK(compression_counter(s, "gzip", "variants") == 0);
    CHECK(compression_counter(s, "gzip", "dynamic") == 0);
  }

  TEST_CASE("HEAD answers the headers GET would") {
    cache_server const s;
    fill(s);
    auto const target = list_path("");
    for (auto const* coding : {"gzip", "br", "identity"}) {
      CAPTURE(coding);
      auto const full = get(s, target, coding);
      auto const head = s.call("HEAD", target, {}, {{"Accept-Encoding", coding}});
      REQUIRE(head.status == 200);
      CHECK(head.body.empty());
      for (auto const* name :
           {"Content-Length", "Content-Encoding", "ETag", "Vary", "Content-Type"})
        CHECK(head.header(name) == full.header(name));
      CHECK(head.header("Content-Length") == std::to_string(full.body.size()));
    }
  }

  TEST_CASE("a compressed ETag is good for If-Match") {
    cache_server const s;
    fill(s);
    auto const id = s.create("ws-big", "online", std::string(1000, 'd'));
    auto const gz = get(s, item_path(id), "gzip");
    REQUIRE(gz.header("Content-Encoding") == "gzip");
    CHECK(
        s.call("PATCH", item_path(id), R"({"port":22})", {{"If-Match", "\"0000000000000000-gz\""}})
            .status == 412);
    CHECK(s.call("PATCH", item_path(id), R"({"port":22})", {{"If-Match", gz.header("ETag")}})
              .status == 200);
  }

  TEST_CASE("without the cache, bodies are compressed for each response") {
    cache_server const s({"cache.enabled=false"});
    fill(s);
    auto const target = list_path("");
    auto const identity = get(s, target, "identity");
    auto const gz = get(s, target, "gzip");
    CHECK(gz.header("Content-Encoding") == "gzip");
    CHECK(gz.header("Vary") == "Accept-Encoding");
    CHECK(decoded(gz) == identity.body);
    CHECK(gz.header("ETag") != identity.header("ETag"));
    CHECK(get(s, target, "gzip", {{"If-None-Match", gz.header("ETag")}}).status == 304);
    CHECK(compression_counter(s, "gzip", "variants") == 0);
    CHECK(compression_counter(s, "gzip", "dynamic") >= 2);

    // Bodies outside the cache too: the OpenAPI document.
    auto const doc = s.anonymous("GET", "/openapi.json", {{"Accept-Encoding", "br, gzip"}});
    REQUIRE(doc.status == 200);
    CHECK(doc.header("Content-Encoding") == "gzip");  // br only for what is kept
    CHECK(doc.header("Vary") == "Accept-Encoding");
    CHECK(decoded(doc) == s.anonymous("GET", "/openapi.json").body);
    auto const br_only = s.anonymous("GET", "/openapi.json", {{"Accept-Encoding", "br"}});
    CHECK_FALSE(br_only.has_header("Content-Encoding"));
    CHECK(br_only.header("Vary") == "Accept-Encoding");
    auto const list_br = get(s, target, "br;q=1, gzip;q=0.5");
    CHECK(list_br.header("Content-Encoding") == "gzip");
    CHECK(decoded(list_br) == identity.body);
    // Errors stay identity.
    auto const missing = get(s, item_path(999999), "gzip");
    CHECK(missing.status == 404);
    CHECK_FALSE(missing.has_header("Content-Encoding"));
  }

  TEST_CASE("compression.enabled=false and min_bytes are honoured") {
    {
      cache_server const s({"compression.enabled=false"});
      fill(s);
      auto const r = get(s, list_path(""), "gzip, br");
      CHECK_FALSE(r.has_header("Content-Encoding"));
      CHECK_FALSE(r.has_header("Vary"));
    }
    {
      cache_server const s({"compression.min_bytes=1000000"});
      fill(s);
      CHECK_FALSE(get(s, list_path(""), "gzip").has_header("Content-Encoding"));
    }
  }

  TEST_CASE("compression metrics are exposed to Prometheus") {
    cache_server const s;
    fill(s);
    get(s, list_path(""), "gzip");
    auto const text = s.call("GET", prometheus_path).body;
    for (auto const* line : {"wsd_compression_variants_total{encoding=\"gzip\"} 1",
                             "wsd_compression_variants_total{encoding=\"br\"} 0",
                             "# TYPE wsd_compression_bytes_in_total counter",
                             "wsd_compression_bytes_out_total{encoding=\"gzip\"} "})
      CHECK_MESSAGE(text.find(line) != std::string::npos, line);
  }
}
