#include "wsd/api/workstations.hpp"

#include "wsd/api/representation.hpp"
#include "wsd/http/etag.hpp"
#include "wsd/workstations/repository.hpp"

namespace wsd::api::workstations {

namespace ws = wsd::workstations;

namespace {

http::api_error no_such(std::string_view id) {
  return http::not_found("workstation " + std::string(id) + " not found");
}

// A workstation as the API returns it, with its ETag.
http::response one(unsigned status, ws::workstation const& w, context& ctx,
                   std::string_view x_cache = {}) {
  auto body = ws::to_json(w);
  auto etag = http::make_etag(body);
  return entity(status, http::make_body(std::move(body)), std::move(etag), ctx.req.if_none_match,
                x_cache);
}

}  // namespace

boost::asio::awaitable<reply> list(context& ctx) {
  auto const query = ws::parse_list_query(ctx.req.query);
  if (!query) co_return http::validation_failed(query.error());
  auto const page = co_await ctx.svc.workstations.list(*query);
  if (!page) co_return page.error();
  auto body = ws::list_to_json(page->items, page->total, query->limit, query->offset);
  auto etag = http::make_etag(body);
  co_return entity(200, http::make_body(std::move(body)), std::move(etag), ctx.req.if_none_match,
                   "MISS");
}

boost::asio::awaitable<reply> get(context& ctx) {
  auto const id = ws::parse_id(ctx.params[0]);
  if (!id) co_return no_such(ctx.params[0]);
  auto const w = co_await ctx.svc.workstations.get(*id);
  if (!w) co_return w.error();
  co_return one(200, *w, ctx, "MISS");
}

boost::asio::awaitable<reply> create(context& ctx) {
  auto const body = json_body(ctx.req, false);
  if (!body) co_return body.error();
  auto input = ws::validate_new(*body);
  if (!input) co_return http::validation_failed(std::move(input.error()));
  auto const w = co_await ctx.svc.workstations.create(std::move(*input));
  if (!w) co_return w.error();
  auto res = one(201, *w, ctx);
  res.set("Location", "/api/workstations/" + std::to_string(w->id));
  co_return res;
}

boost::asio::awaitable<reply> patch(context& ctx) {
  auto const id = ws::parse_id(ctx.params[0]);
  if (!id) co_return no_such(ctx.params[0]);
  auto const body = json_body(ctx.req, false);
  if (!body) co_return body.error();
  auto changes = ws::validate_patch(*body);
  if (!changes) co_return http::validation_failed(std::move(changes.error()));
  ws::precondition check;
  if (!ctx.req.if_match.empty())
    check = [if_match = std::string(ctx.req.if_match)](ws::workstation const& current) {
      return http::if_match_ok(if_match, http::make_etag(ws::to_json(current)));
    };
  auto const w = co_await ctx.svc.workstations.patch(*id, std::move(*changes), std::move(check));
  if (!w) co_return w.error();
  co_return one(200, *w, ctx);
}

boost::asio::awaitable<reply> remove(context& ctx) {
  auto const id = ws::parse_id(ctx.params[0]);
  if (!id) co_return no_such(ctx.params[0]);
  auto const done = co_await ctx.svc.workstations.remove(*id);
  if (!done) co_return done.error();
  co_return http::empty_response(204);
}

}  // namespace wsd::api::workstations
