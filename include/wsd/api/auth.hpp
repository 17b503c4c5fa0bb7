// Logging in and asking who one is.
#pragma once

#include "wsd/api/context.hpp"

namespace wsd::api::auth {

// POST /api/auth/login: JSON or form-encoded username and password.
boost::asio::awaitable<reply> login(context& ctx);
// GET /api/auth/me: from the token alone, no database.
boost::asio::awaitable<reply> me(context& ctx);
// POST /api/auth/password: {"current_password","new_password"} -> 204; a
// wrong current password is 422 naming current_password.
boost::asio::awaitable<reply> change_password(context& ctx);
// POST /api/auth/logout -> 204: the caller's tokens stop working.
boost::asio::awaitable<reply> logout(context& ctx);

}  // namespace wsd::api::auth
