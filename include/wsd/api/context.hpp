// What a handler gets: the request, its path parameters, the authenticated
// user (for routes that need one) and the services it may call.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "wsd/auth/jwt.hpp"
#include "wsd/config/config.hpp"
#include "wsd/http/error.hpp"
#include "wsd/http/message.hpp"
#include "wsd/http/router.hpp"
#include "wsd/metrics/registry.hpp"

namespace wsd::db {
class database;
}
namespace wsd::workstations {
class repository;
}
namespace wsd::users {
class repository;
}
namespace wsd::auth {
class login_limiter;
class hash_pool;
}  // namespace wsd::auth
namespace wsd::cache {
class sharded_cache;
}
namespace wsd::api {
class workstation_cache;
}

namespace wsd::api {

// Everything the handlers use, owned by the application.
struct services {
  config::settings const& settings;
  metrics::registry& metrics;
  db::database& database;
  workstations::repository& workstations;
  users::repository& users;
  auth::jwt_codec const& jwt;
  auth::login_limiter& login_limiter;
  cache::sharded_cache* cache;  // null when cache.enabled=false
  workstation_cache const& ws_cache;
  auth::hash_pool const& hashes;
};

struct context {
  http::request const& req;
  http::path_params const& params;
  auth::claims const* user;  // null on public routes
  services& svc;
};

// Handlers answer a response or an error; the dispatcher writes errors
// through the one error writer.
using reply = core::result<http::response>;
using handler = boost::asio::awaitable<reply> (*)(context&);

}  // namespace wsd::api
