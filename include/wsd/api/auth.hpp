// Logging in and asking who one is.
#pragma once

#include "wsd/api/context.hpp"

namespace wsd::api::auth {

// POST /api/auth/login: JSON or form-encoded username and password.
boost::asio::awaitable<reply> login(context& ctx);
// GET /api/auth/me: from the token alone, no database.
boost::asio::awaitable<reply> me(context& ctx);

}  // namespace wsd::api::auth
