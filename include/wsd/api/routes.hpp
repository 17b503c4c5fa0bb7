// The one table of routes, with the access each needs, and the dispatcher
// that answers a request through it: route -> authentication -> role ->
// handler, with every error written by the one error writer.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "wsd/api/context.hpp"
#include "wsd/auth/token_cache.hpp"

namespace wsd::api {

enum class access : std::uint8_t {
  anyone,     // public
  viewer,     // any valid token
  operator_,  // operator or admin
  admin,
  metrics,  // admin, or anyone when metrics.public
};

struct route {
  http::method verb;
  std::string_view pattern;
  access needs;
  handler fn;
};

std::span<route const> routes();

class dispatcher {
 public:
  dispatcher(services& svc, auth::token_verifier const& tokens);
  boost::asio::awaitable<http::response> operator()(http::request const& req) const;

 private:
  // The caller's claims, or 401/403.
  core::result<auth::claims> authorize(http::request const& req, access needs) const;

  services& svc_;
  auth::token_verifier const& tokens_;
  http::router router_;
};

}  // namespace wsd::api
