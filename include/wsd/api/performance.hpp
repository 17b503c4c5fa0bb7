// Admin endpoints over the cache, the metrics and the circuit breaker.
#pragma once

#include "wsd/api/context.hpp"

namespace wsd::api::performance {

boost::asio::awaitable<reply> cache_stats(context& ctx);
boost::asio::awaitable<reply> cache_clear(context& ctx);
boost::asio::awaitable<reply> cache_invalidate(context& ctx);
boost::asio::awaitable<reply> cache_keys(context& ctx);
boost::asio::awaitable<reply> metrics(context& ctx);
boost::asio::awaitable<reply> breaker_reset(context& ctx);
// GET /metrics: the same figures in Prometheus text exposition format.
boost::asio::awaitable<reply> prometheus(context& ctx);

}  // namespace wsd::api::performance
