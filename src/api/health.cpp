#include "wsd/api/health.hpp"

#include "wsd/db/database.hpp"

namespace wsd::api::health {

boost::asio::awaitable<reply> live(context&) {
  static auto const body = http::make_body(R"({"status":"ok"})");
  http::response res;
  res.body = body;
  co_return res;
}

boost::asio::awaitable<reply> ready(context& ctx) {
  auto& breaker = ctx.svc.database.breaker();
  // An open breaker answers at once: probing the database is its job.
  bool const reachable =
      breaker.state() != db::breaker_state::open && co_await ctx.svc.database.ping();
  auto const state = db::to_string(breaker.state());
  if (reachable && state == "closed") co_return http::json_response(200, R"({"status":"ready"})");
  std::string body = R"({"status":"degraded","database":")";
  body += reachable ? "reachable" : "unreachable";
  body += R"(","circuit_breaker":")";
  body += state;
  body += "\"}";
  auto res = http::json_response(503, std::move(body));
  res.set("Retry-After",
          std::to_string(std::max<std::int64_t>(1, breaker.read().retry_after.count())));
  co_return res;
}

}  // namespace wsd::api::health
