#include "support/api_harness.hpp"

#include <optional>

#include <doctest/doctest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "support/process.hpp"
#include "wsd/api/routes.hpp"
#include "wsd/api/workstation_cache.hpp"
#include "wsd/auth/hash_pool.hpp"
#include "wsd/auth/login_limiter.hpp"
#include "wsd/auth/token_cache.hpp"
#include "wsd/cache/sharded_cache.hpp"
#include "wsd/db/database.hpp"
#include "wsd/users/repository.hpp"
#include "wsd/workstations/repository.hpp"

namespace wsd::test {

namespace asio = boost::asio;

namespace {

config::settings with_temp_db(config::settings s, temp_directory const& dir) {
  s.db.url = "sqlite3://db=" + dir.path() + "/wsd.db";
  s.db.pool_size = 2;
  return s;
}

std::unique_ptr<cache::sharded_cache> make_cache(asio::io_context& io, config::settings const& s) {
  if (!s.cache.enabled) return nullptr;
  cache::options o;
  o.shards = 4;
  o.max_bytes = s.cache.max_bytes;
  o.ttl = s.cache.ttl;
  o.max_stale = s.cache.max_stale;
  return std::make_unique<cache::sharded_cache>(io.get_executor(), o);
}

}  // namespace

// Everything the application would own, in the same order. One io_context,
// run on the calling thread for each request: the cache's strands and the
// database's completions all land on it.
struct api_harness::parts {
  explicit parts(config::settings s)
      : settings(with_temp_db(std::move(s), dir)),
        database(settings.db, settings.breaker, metrics),
        hashes(1, settings.auth.max_pending_logins),
        users(database, hashes),
        workstations(database),
        jwt("api-harness-secret-0123456789abcdef0123", settings.auth.token_ttl),
        tokens(jwt, token_cache),
        limiter(auth::login_limits{settings.auth.login_max_failures,
                                   settings.auth.login_max_failures_per_address,
                                   settings.auth.login_window}),
        cache(make_cache(io, settings)),
        ws_cache(cache.get()),
        services{settings, metrics, database,    workstations, users,
                 jwt,      limiter, cache.get(), ws_cache,     hashes},
        dispatch(services, tokens) {
    auto const opened = database.open();
    REQUIRE_MESSAGE(opened.has_value(), opened.error());
    workstations.on_committed([&c = ws_cache](std::int64_t id) { c.forget(id); });
  }
  ~parts() { database.close(); }

  temp_directory dir;
  config::settings settings;
  asio::io_context io;
  metrics::registry metrics;
  db::database database;
  auth::hash_pool hashes;
  users::repository users;
  workstations::repository workstations;
  auth::jwt_codec jwt;
  auth::token_cache token_cache;
  auth::token_verifier tokens;
  auth::login_limiter limiter;
  std::unique_ptr<cache::sharded_cache> cache;
  api::workstation_cache ws_cache;
  api::services services;
  api::dispatcher dispatch;
};

api_harness::api_harness(config::settings settings)
    : parts_(std::make_unique<parts>(std::move(settings))) {}

api_harness::~api_harness() = default;

api_response api_harness::call(api_request const& r) {
  std::string const authorization = r.token.empty() ? std::string() : "Bearer " + r.token;
  http::request req;
  req.verb = r.verb;
  req.target = r.target;
  auto const q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string_view::npos) req.query = req.target.substr(q + 1);
  req.body = r.body;
  req.authorization = authorization;
  req.content_type = r.body.empty() ? std::string_view() : std::string_view(r.content_type);
  req.if_match = r.if_match;
  req.if_none_match = r.if_none_match;
  req.idempotency_key = r.idempotency_key;
  req.remote = "127.0.0.1:1";

  auto& io = parts_->io;
  std::optional<http::response> out;
  std::exception_ptr failure;
  asio::co_spawn(io, parts_->dispatch(req), [&](std::exception_ptr e, http::response res) {
    failure = e;
    if (!e) out.emplace(std::move(res));
  });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
  REQUIRE(out.has_value());
  api_response res{out->status, out->body ? *out->body : std::string(), {}};
  for (auto const& [name, value] : out->headers) res.headers.emplace_back(name, value);
  return res;
}

api_response api_harness::get(std::string target, std::string const& token) {
  return call({http::method::get, std::move(target), {}, token});
}

std::string api_harness::token(std::string_view user, auth::role role) const {
  return parts_->jwt.issue(user, role);
}

std::uint64_t api_harness::queries() const {
  return parts_->metrics.database.queries.load();
}

std::string api_response::header(std::string_view name) const {
  for (auto const& [key, value] : headers)
    if (key == name) return value;
  return {};
}

boost::json::value api_response::json() const {
  return boost::json::parse(body);
}

std::string api_response::error_code() const {
  boost::system::error_code ec;
  auto const v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  auto const* e = v.as_object().if_contains("error");
  if (!e || !e->is_object()) return {};
  auto const* code = e->as_object().if_contains("code");
  return code && code->is_string() ? std::string(code->as_string()) : std::string();
}

}  // namespace wsd::test
