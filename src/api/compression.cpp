#include "wsd/api/compression.hpp"

#include "wsd/api/representation.hpp"
#include "wsd/api/workstation_cache.hpp"
#include "wsd/db/database.hpp"
#include "wsd/http/accept_encoding.hpp"
#include "wsd/http/etag.hpp"
#include "wsd/http/wire.hpp"

namespace wsd::api::compression {

namespace {

// Gives up a claim that was not published (the maker threw or was cancelled)
// so a later demand can make the variant.
class claim_guard {
 public:
  claim_guard(cache::variant_slots const& slots, util::encoding e) noexcept
      : slots_(slots), coding_(e) {}
  claim_guard(claim_guard const&) = delete;
  claim_guard& operator=(claim_guard const&) = delete;
  ~claim_guard() {
    if (!published_) slots_.release(coding_);
  }
  void published() noexcept { published_ = true; }

 private:
  cache::variant_slots const& slots_;
  util::encoding coding_;
  bool published_ = false;
};

// The compressed bytes of `body`: on this thread when small, else on the
// blocking pool so an io thread never spends milliseconds on one response.
boost::asio::awaitable<http::body_ptr> compressed(services& svc, http::body_ptr const& body,
                                                  util::encoding e, bool stored) {
  auto const& opts = svc.settings.compression;
  auto job = [body, e, gzip = opts.gzip_level, br = opts.brotli_quality] {
    return util::compress(*body, e, gzip, br);
  };
  std::string out;
  if (body->size() < offload_bytes)
    out = job();
  else
    out = co_await svc.database.pool().run(std::move(job));
  svc.metrics.compression.record(util::slot_of(e), body->size(), out.size(), stored);
  co_return http::make_body(std::move(out));
}

// The variant of `e` for `entry`: the published one, or made now by the
// first caller; null when another caller is making it at this moment.
boost::asio::awaitable<cache::variant const*> variant_of(context& ctx, std::string const& key,
                                                         cache::entry_ptr const& entry,
                                                         util::encoding e) {
  auto const& slots = entry->variants;
  if (auto const* v = slots.find(e)) co_return v;
  if (!slots.claim(e)) co_return nullptr;
  claim_guard guard(slots, e);
  auto body = co_await compressed(ctx.svc, entry->body, e, true);
  slots.publish(e, cache::variant{std::move(body), variant_etag(entry->etag, e)});
  guard.published();
  ctx.svc.ws_cache.recharge(key, entry);
  co_return slots.find(e);
}

// Text and JSON compress well; anything else may be compressed already.
bool is_text(std::string_view content_type) noexcept {
  return content_type.starts_with("text/") || http::is_json_content_type(content_type);
}

void set_coding_headers(http::response& res, choice const& c) {
  if (c.coding != util::encoding::identity && http::has_body(res.status))
    res.set("Content-Encoding", std::string(util::to_string(c.coding)));
  if (c.negotiated) res.set("Vary", "Accept-Encoding");
}

}  // namespace

std::string variant_etag(std::string_view etag, util::encoding e) {
  std::string tag(etag);
  auto const suffix = e == util::encoding::br ? "-br" : "-gz";
  if (!tag.empty() && tag.back() == '"')
    tag.insert(tag.size() - 1, suffix);
  else
    tag += suffix;
  return tag;
}

bool if_match_ok(std::string_view if_match_header, std::string_view etag) {
  if (http::if_match_ok(if_match_header, etag)) return true;
  for (auto const e : util::compressed_encodings)
    if (http::if_match_ok(if_match_header, variant_etag(etag, e))) return true;
  return false;
}

choice choose(services const& svc, http::request const& req, std::size_t size, bool kept) noexcept {
  auto const& opts = svc.settings.compression;
  if (!opts.enabled || size < opts.min_bytes) return {};
  return {http::choose_encoding(req.accept_encoding, kept), true};
}

boost::asio::awaitable<http::response> entry_response(context& ctx, std::string const& key,
                                                      cache::entry_ptr const& entry,
                                                      std::string_view x_cache) {
  bool const kept = ctx.svc.cache != nullptr;
  auto const c = choose(ctx.svc, ctx.req, entry->body ? entry->body->size() : 0, kept);
  http::body_ptr body = entry->body;
  std::string etag = entry->etag;
  if (c.coding != util::encoding::identity) {
    // Without a cache the entry lives for this response only: nothing to keep.
    auto const* v = kept ? co_await variant_of(ctx, key, entry, c.coding) : nullptr;
    if (v) {
      body = v->body;
      etag = v->etag;
    } else {
      // Uncached, or another request is making this variant right now:
      // compress for this response alone rather than wait.
      body = co_await compressed(ctx.svc, entry->body, c.coding, false);
      etag = variant_etag(entry->etag, c.coding);
    }
  }
  auto res = entity(200, std::move(body), std::move(etag), ctx.req.if_none_match, x_cache);
  set_coding_headers(res, c);
  co_return res;
}

boost::asio::awaitable<void> compress_answer(services& svc, http::request const& req,
                                             http::response& res) {
  if (res.status < 200 || res.status >= 300 || !res.body || !res.header("Vary").empty() ||
      !is_text(res.content_type))
    co_return;
  auto const c = choose(svc, req, res.body->size(), false);
  if (c.coding != util::encoding::identity) {
    res.body = co_await compressed(svc, res.body, c.coding, false);
    for (auto& [name, value] : res.headers)
      if (name == "ETag") value = variant_etag(value, c.coding);
    auto const etag = res.header("ETag");
    if (!etag.empty() && !req.if_none_match.empty() && http::none_match(req.if_none_match, etag)) {
      auto not_modified = http::empty_response(304);
      not_modified.set("ETag", std::string(etag));
      res = std::move(not_modified);
    }
  }
  set_coding_headers(res, c);
}

}  // namespace wsd::api::compression
