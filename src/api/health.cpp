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
  if (co_await ctx.svc.database.ping()) co_return http::json_response(200, R"({"status":"ready"})");
  auto res = http::json_response(
      503, R"({"status":"degraded","database":"unreachable","circuit_breaker":"closed"})");
  res.set("Retry-After", "1");
  co_return res;
}

}  // namespace wsd::api::health
