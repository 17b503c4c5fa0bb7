#include "wsd/api/workstations.hpp"

#include "wsd/api/representation.hpp"
#include "wsd/cache/sharded_cache.hpp"
#include "wsd/http/etag.hpp"
#include "wsd/workstations/repository.hpp"

namespace wsd::api::workstations {

namespace ws = wsd::workstations;

namespace {

constexpr std::string_view all_lists = "workstations:list:*";

http::api_error no_such(std::string_view id) {
  return http::not_found("workstation " + std::string(id) + " not found");
}

// A ready-to-send representation: serialized once, then shared.
cache::entry_ptr make_entry(std::string body) {
  auto etag = http::make_etag(body);
  return std::make_shared<cache::entry const>(
      cache::entry{http::make_body(std::move(body)), std::move(etag)});
}

std::string_view x_cache(cache::outcome how) noexcept {
  switch (how) {
    case cache::outcome::hit:
      return "HIT";
    case cache::outcome::stale:
      return "STALE";
    case cache::outcome::miss:
      break;
  }
  return "MISS";
}

// Answers a GET from the cache under `key`, loading on a miss; without a
// cache, straight from the loader.
boost::asio::awaitable<reply> cached(context& ctx, std::string const& key,
                                     cache::loader const& load) {
  auto const& inm = ctx.req.if_none_match;
  if (!ctx.svc.cache) {
    auto const loaded = co_await load();
    if (!loaded) co_return loaded.error();
    co_return entity(200, (*loaded)->body, (*loaded)->etag, inm, "MISS");
  }
  auto const found = co_await ctx.svc.cache->get(key, load);
  if (!found) co_return found.error();
  auto res = entity(200, found->value->body, found->value->etag, inm, x_cache(found->how));
  if (found->how == cache::outcome::stale) res.set("Warning", R"(110 - "Response is Stale")");
  co_return res;
}

// After a committed write: this instance never answers the old state again.
boost::asio::awaitable<void> forget(context& ctx, std::int64_t id) {
  if (!ctx.svc.cache) co_return;
  auto const key = ws::item_cache_key(id);
  co_await ctx.svc.cache->invalidate(key);
  co_await ctx.svc.cache->invalidate_matching(all_lists);
}

http::response written(unsigned status, ws::workstation const& w) {
  auto body = ws::to_json(w);
  auto etag = http::make_etag(body);
  http::response res;
  res.status = status;
  res.body = http::make_body(std::move(body));
  res.set("ETag", std::move(etag));
  return res;
}

// The write's Idempotency-Key, if it has one; 422 when malformed.
boost::system::result<ws::key, http::api_error> idempotency_key(context const& ctx) {
  auto const& key = ctx.req.idempotency_key;
  if (key.empty()) return ws::key{};
  if (!idempotency::is_valid_key(key))
    return http::validation_failed(
        {{"Idempotency-Key", "must be 1-128 printable ASCII characters"}});
  return ws::key{idempotency::make_request(ctx.user->sub, key, http::to_string(ctx.req.verb),
                                           ctx.req.path, ctx.req.body)};
}

// The stored answer of an earlier attempt with the same Idempotency-Key.
http::response replay(idempotency::answer const& a) {
  http::response res =
      a.body.empty() ? http::empty_response(a.status) : http::json_response(a.status, a.body);
  if (!a.body.empty()) res.set("ETag", http::make_etag(a.body));
  if (!a.location.empty()) res.set("Location", a.location);
  res.set("Idempotent-Replayed", "true");
  return res;
}

}  // namespace

boost::asio::awaitable<reply> list(context& ctx) {
  auto const query = ws::parse_list_query(ctx.req.query);
  if (!query) co_return http::validation_failed(query.error());
  cache::loader const load = [&ctx, &query]() -> boost::asio::awaitable<cache::load_result> {
    auto const page = co_await ctx.svc.workstations.list(*query);
    if (!page) co_return page.error();
    co_return make_entry(ws::list_to_json(page->items, page->total, query->limit, query->offset));
  };
  auto const key = query->cache_key();
  co_return co_await cached(ctx, key, load);
}

boost::asio::awaitable<reply> get(context& ctx) {
  auto const id = ws::parse_id(ctx.params[0]);
  if (!id) co_return no_such(ctx.params[0]);
  cache::loader const load = [&ctx, id = *id]() -> boost::asio::awaitable<cache::load_result> {
    auto const w = co_await ctx.svc.workstations.get(id);
    if (!w) co_return w.error();
    co_return make_entry(ws::to_json(*w));
  };
  auto const key = ws::item_cache_key(*id);
  co_return co_await cached(ctx, key, load);
}

boost::asio::awaitable<reply> create(context& ctx) {
  auto idem = idempotency_key(ctx);
  if (!idem) co_return idem.error();
  auto const body = json_body(ctx.req, false);
  if (!body) co_return body.error();
  auto input = ws::validate_new(*body);
  if (!input) co_return http::validation_failed(input.error());
  auto const done = co_await ctx.svc.workstations.create(std::move(*input), std::move(*idem));
  if (!done) co_return done.error();
  if (done->replayed) co_return replay(*done->replayed);
  auto const& w = done->value;
  co_await forget(ctx, w.id);
  auto res = written(201, w);
  res.set("Location", "/api/workstations/" + std::to_string(w.id));
  co_return res;
}

boost::asio::awaitable<reply> patch(context& ctx) {
  auto const id = ws::parse_id(ctx.params[0]);
  if (!id) co_return no_such(ctx.params[0]);
  auto idem = idempotency_key(ctx);
  if (!idem) co_return idem.error();
  auto const body = json_body(ctx.req, false);
  if (!body) co_return body.error();
  auto changes = ws::validate_patch(*body);
  if (!changes) co_return http::validation_failed(changes.error());
  ws::precondition check;
  if (!ctx.req.if_match.empty())
    check = [if_match = std::string(ctx.req.if_match)](ws::workstation const& current) {
      return http::if_match_ok(if_match, http::make_etag(ws::to_json(current)));
    };
  auto const done = co_await ctx.svc.workstations.patch(*id, std::move(*changes), std::move(check),
                                                        std::move(*idem));
  if (!done) co_return done.error();
  if (done->replayed) co_return replay(*done->replayed);
  co_await forget(ctx, *id);
  co_return written(200, done->value);
}

boost::asio::awaitable<reply> remove(context& ctx) {
  auto const id = ws::parse_id(ctx.params[0]);
  if (!id) co_return no_such(ctx.params[0]);
  auto idem = idempotency_key(ctx);
  if (!idem) co_return idem.error();
  auto const done = co_await ctx.svc.workstations.remove(*id, std::move(*idem));
  if (!done) co_return done.error();
  if (done->replayed) co_return replay(*done->replayed);
  co_await forget(ctx, *id);
  co_return http::empty_response(204);
}

}  // namespace wsd::api::workstations
