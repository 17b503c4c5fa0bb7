// User administration (admin only).
#pragma once

#include "wsd/api/context.hpp"

namespace wsd::api::users {

boost::asio::awaitable<reply> list(context& ctx);
boost::asio::awaitable<reply> create(context& ctx);
boost::asio::awaitable<reply> remove(context& ctx);
// PATCH /api/users/{username}: {"role"} and/or {"password"}; 409 for the last admin.
boost::asio::awaitable<reply> patch(context& ctx);

}  // namespace wsd::api::users
