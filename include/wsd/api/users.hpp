// User administration (admin only).
#pragma once

#include "wsd/api/context.hpp"

namespace wsd::api::users {

boost::asio::awaitable<reply> list(context& ctx);
boost::asio::awaitable<reply> create(context& ctx);
boost::asio::awaitable<reply> remove(context& ctx);

}  // namespace wsd::api::users
