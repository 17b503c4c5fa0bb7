// The /api/workstations handlers: HTTP in, repository calls, JSON out.
#pragma once

#include "wsd/api/context.hpp"

namespace wsd::api::workstations {

boost::asio::awaitable<reply> list(context& ctx);
boost::asio::awaitable<reply> get(context& ctx);
boost::asio::awaitable<reply> create(context& ctx);
boost::asio::awaitable<reply> patch(context& ctx);
boost::asio::awaitable<reply> remove(context& ctx);

}  // namespace wsd::api::workstations
