#include "wsd/api/workstations.hpp"

#include "wsd/api/compression.hpp"
#include "wsd/api/representation.hpp"
#include "wsd/api/workstation_cache.hpp"
#include "wsd/cache/sharded_cache.hpp"
#include "wsd/http/etag.hpp"
#include "wsd/workstations/repository.hpp"

namespace wsd::api::workstations {

namespace ws = wsd::workstations;

namespace {

core::error no_such(std::string_view id) {
  return core::not_found("workstation " + std::string(id) + " not found");
}

// A ready-to-send representation: serialized once, then shared.
cache::entry_ptr make_entry(std::string body) {
  auto etag = http::make_etag(body);
  return std::make_shared<cache::entry const>(
      cache::entry{http::make_body(std::move(body)), std::move(etag), "application/json", {}});
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

// Answers a GET from the cache under `key`, loading on a miss.
boost::asio::awaitable<reply> cached(context& ctx, std::string const& key,
                                     cache::loader const& load) {
  auto const found = co_await ctx.svc.ws_cache.get(key, load);
  if (!found) co_return found.error();
  auto res = co_await compression::entry_response(ctx, key, found->value, x_cache(found->how));
  if (found->how == cache::outcome::stale) res.set("Warning", R"(110 - "Response is Stale")");
  co_return res;
}

std::string location_of(std::int64_t id) {
  return "/api/workstations/" + std::to_string(id);
}

// How a write is answered, and replayed to a repeat with its Idempotency-Key.
idempotency::answer answer_of(http::method verb, ws::workstation const* w) {
  if (!w) return {204, {}, {}};
  if (verb == http::method::post) return {201, ws::to_json(*w), location_of(w->id)};
  return {200, ws::to_json(*w), {}};
}

http::response to_response(idempotency::answer const& a) {
  http::response res =
      a.body.empty() ? http::empty_response(a.status) : http::json_response(a.status, a.body);
  if (!a.body.empty()) res.set("ETag", http::make_etag(a.body));
  if (!a.location.empty()) res.set("Location", a.location);
  return res;
}

// The write's Idempotency-Key, if it has one; validation_failed when malformed.
core::result<ws::key> idempotency_key(context const& ctx) {
  auto const& key = ctx.req.idempotency_key;
  if (key.empty()) return ws::key{};
  if (!idempotency::is_valid_key(key))
    return core::validation_failed(
        {{"Idempotency-Key", "must be 1-128 printable ASCII characters"}});
  auto const verb = ctx.req.verb;
  return ws::key{ws::idempotent{idempotency::make_request(ctx.user->sub, key, http::to_string(verb),
                                                          ctx.req.path, ctx.req.body),
                                [verb](ws::workstation const* w) { return answer_of(verb, w); }}};
}

// The answer of a write: the stored one of an earlier attempt with the same
// Idempotency-Key, or this attempt's. The cache has already forgotten what
// the write changed (see workstation_cache::forget).
template <class T>
http::response answered(ws::write_result<T> const& done, http::method verb,
                        ws::workstation const* w) {
  if (done.replayed) {
    auto res = to_response(*done.replayed);
    res.set("Idempotent-Replayed", "true");
    return res;
  }
  return to_response(answer_of(verb, w));
}

}  // namespace

boost::asio::awaitable<reply> list(context& ctx) {
  auto const query = ws::parse_list_query(ctx.req.query);
  if (!query) co_return core::validation_failed(query.error());
  cache::loader const load = [&ctx, &query]() -> boost::asio::awaitable<cache::load_result> {
    auto const page = co_await ctx.svc.workstations.list(*query);
    if (!page) co_return page.error();
    co_return make_entry(ws::list_to_json(page->items, page->total, query->limit, query->offset));
  };
  auto const key = workstation_cache::list_key(*query);
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
  auto const key = workstation_cache::item_key(*id);
  co_return co_await cached(ctx, key, load);
}

boost::asio::awaitable<reply> create(context& ctx) {
  auto idem = idempotency_key(ctx);
  if (!idem) co_return idem.error();
  auto const body = json_body(ctx.req, false);
  if (!body) co_return body.error();
  auto input = ws::validate_new(*body);
  if (!input) co_return core::validation_failed(input.error());
  auto const done = co_await ctx.svc.workstations.create(std::move(*input), std::move(*idem));
  if (!done) co_return done.error();
  co_return answered(*done, ctx.req.verb, &done->value);
}

boost::asio::awaitable<reply> patch(context& ctx) {
  auto const id = ws::parse_id(ctx.params[0]);
  if (!id) co_return no_such(ctx.params[0]);
  auto idem = idempotency_key(ctx);
  if (!idem) co_return idem.error();
  auto const body = json_body(ctx.req, false);
  if (!body) co_return body.error();
  auto changes = ws::validate_patch(*body);
  if (!changes) co_return core::validation_failed(changes.error());
  ws::precondition check;
  if (!ctx.req.if_match.empty())
    check = [if_match = std::string(ctx.req.if_match)](ws::workstation const& current) {
      return compression::if_match_ok(if_match, http::make_etag(ws::to_json(current)));
    };
  auto const done = co_await ctx.svc.workstations.patch(*id, std::move(*changes), std::move(check),
                                                        std::move(*idem));
  if (!done) co_return done.error();
  co_return answered(*done, ctx.req.verb, &done->value);
}

boost::asio::awaitable<reply> remove(context& ctx) {
  auto const id = ws::parse_id(ctx.params[0]);
  if (!id) co_return no_such(ctx.params[0]);
  auto idem = idempotency_key(ctx);
  if (!idem) co_return idem.error();
  auto const done = co_await ctx.svc.workstations.remove(*id, std::move(*idem));
  if (!done) co_return done.error();
  co_return answered(*done, ctx.req.verb, nullptr);
}

}  // namespace wsd::api::workstations
