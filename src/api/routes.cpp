#include "wsd/api/routes.hpp"

#include <array>
#include <string>

#include "wsd/api/assets.hpp"
#include "wsd/api/auth.hpp"
#include "wsd/api/compression.hpp"
#include "wsd/api/health.hpp"
#include "wsd/api/openapi.hpp"
#include "wsd/api/performance.hpp"
#include "wsd/api/users.hpp"
#include "wsd/api/workstations.hpp"
#include "wsd/util/percent.hpp"

namespace wsd::api {

using http::method;

std::span<route const> routes() {
  static constexpr route table[] = {
      {method::get, "/health", access::anyone, health::live},
      {method::get, "/ready", access::anyone, health::ready},
      {method::get, "/openapi.json", access::anyone, openapi::document},
      {method::get, "/docs", access::anyone, assets::serve},
      {method::get, "/docs/{file}", access::anyone, assets::serve},
      {method::get, "/admin", access::anyone, assets::serve},
      {method::get, "/admin/{file}", access::anyone, assets::serve},

      {method::post, "/api/auth/login", access::anyone, auth::login},
      {method::get, "/api/auth/me", access::viewer, auth::me},
      {method::get, "/api/users", access::admin, users::list},
      {method::post, "/api/users", access::admin, users::create},
      {method::del, "/api/users/{username}", access::admin, users::remove},

      {method::get, "/api/workstations", access::viewer, workstations::list},
      {method::post, "/api/workstations", access::operator_, workstations::create},
      {method::get, "/api/workstations/{id}", access::viewer, workstations::get},
      {method::patch, "/api/workstations/{id}", access::operator_, workstations::patch},
      {method::del, "/api/workstations/{id}", access::operator_, workstations::remove},

      {method::get, "/api/performance/cache-stats", access::admin, performance::cache_stats},
      {method::post, "/api/performance/cache-clear", access::admin, performance::cache_clear},
      {method::post, "/api/performance/cache-invalidate", access::admin,
       performance::cache_invalidate},
      {method::get, "/api/performance/cache-keys", access::admin, performance::cache_keys},
      {method::get, "/api/performance/metrics", access::admin, performance::metrics},
      {method::post, "/api/performance/circuit-breaker/reset", access::admin,
       performance::breaker_reset},
      {method::get, "/metrics", access::metrics, performance::prometheus},
  };
  return table;
}

dispatcher::dispatcher(services& svc, wsd::auth::token_verifier const& tokens)
    : svc_(svc), tokens_(tokens) {
  for (auto const& r : routes()) router_.add(r.verb, r.pattern);
}

core::result<wsd::auth::claims> dispatcher::authorize(http::request const& req,
                                                      access needs) const {
  auto const token = wsd::auth::bearer_token(req.authorization);
  if (!token) return core::unauthorized("a bearer token is required");
  auto claims = tokens_.verify(*token);
  if (!claims)
    return core::unauthorized("invalid token: " + std::string(to_string(claims.error())));
  auto const required = needs == access::admin || needs == access::metrics ? wsd::auth::role::admin
                        : needs == access::operator_ ? wsd::auth::role::operator_
                                                     : wsd::auth::role::viewer;
  if (!wsd::auth::allows(claims->who, required))
    return core::forbidden("this needs the " + std::string(to_string(required)) + " role");
  return std::move(*claims);
}

namespace {

// Path parameters as their resources name them: "/api/users/e%31" is user
// "e1". '+' stays itself in a path; a malformed escape is a bad request.
// Decoded text that needs it lives in `storage`.
core::result<http::path_params> decoded(
    http::path_params const& raw, std::array<std::string, http::path_params::capacity>& storage) {
  http::path_params out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto const value = util::percent_decode(raw[i], storage[i], false);
    if (!value) return core::bad_request("invalid percent-encoding in the path");
    out.push(*value);
  }
  return out;
}

}  // namespace

boost::asio::awaitable<http::response> dispatcher::operator()(http::request const& req) const {
  auto const match = router_.find(req.verb, req.path);
  if (!match) co_return http::to_response(match.error());
  auto const& r = routes()[match->index];

  wsd::auth::claims claims;
  bool const open =
      r.needs == access::anyone || (r.needs == access::metrics && svc_.settings.metrics.is_public);
  if (!open) {
    auto who = authorize(req, r.needs);
    if (!who) co_return http::to_response(who.error());
    claims = std::move(*who);
  }

  std::array<std::string, http::path_params::capacity> storage;
  auto const params = decoded(match->params, storage);
  if (!params) co_return http::to_response(params.error());
  context ctx{req, *params, open ? nullptr : &claims, svc_};
  auto answer = co_await r.fn(ctx);
  if (!answer) co_return http::to_response(answer.error());
  co_await compression::compress_answer(svc_, req, *answer);
  co_return std::move(*answer);
}

}  // namespace wsd::api
