#pragma once

#include "wsd/api/context.hpp"

namespace wsd::api::health {

// GET /health: 200 while the process serves.
boost::asio::awaitable<reply> live(context& ctx);
// GET /ready: 200 when the database answers, 503 "degraded" otherwise.
boost::asio::awaitable<reply> ready(context& ctx);

}  // namespace wsd::api::health
