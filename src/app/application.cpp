#include "wsd/app/application.hpp"

#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wsd/api/routes.hpp"
#include "wsd/auth/login_limiter.hpp"
#include "wsd/auth/secret.hpp"
#include "wsd/cache/sharded_cache.hpp"
#include "wsd/db/change_feed.hpp"
#include "wsd/db/database.hpp"
#include "wsd/http/server.hpp"
#include "wsd/log/logger.hpp"
#include "wsd/users/repository.hpp"
#include "wsd/workstations/repository.hpp"

namespace wsd::app {

namespace asio = boost::asio;

namespace {

// The JWT secret from WSD_JWT_SECRET, or a random one for this process.
boost::system::result<std::string, std::string> jwt_secret(config::settings const& settings) {
  if (!settings.auth.jwt_secret) {
    log::warn("WSD_JWT_SECRET is not set: using a random secret; tokens end with this process");
    return {boost::system::in_place_value, auth::random_secret()};
  }
  auto const ok = auth::check_jwt_secret(*settings.auth.jwt_secret);
  if (!ok) return {boost::system::in_place_error, "WSD_JWT_SECRET: " + ok.error()};
  return {boost::system::in_place_value, *settings.auth.jwt_secret};
}

cache::options cache_options(config::settings const& settings) {
  auto const& c = settings.cache;
  cache::options o;
  o.shards =
      c.shards != 0 ? c.shards : cache::default_shard_count(config::effective_threads(settings));
  o.max_bytes = c.max_bytes;
  o.ttl = c.ttl;
  o.max_stale = c.max_stale;
  o.sweep_interval = c.sweep_interval;
  return o;
}

// Forgets Idempotency-Keys past their 24 h, at start and every 10 minutes,
// until the timer is cancelled at shutdown.
asio::awaitable<void> sweep_idempotency_keys(workstations::repository& repo,
                                             asio::steady_timer& timer) {
  for (;;) {
    auto const swept = co_await repo.sweep_keys();
    if (swept && *swept > 0) log::info("forgot " + std::to_string(*swept) + " idempotency keys");
    timer.expires_after(std::chrono::minutes(10));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

// Drops what the cache holds of a written workstation (id 0: of all of them).
void forget(cache::sharded_cache& cache, std::int64_t id) {
  if (id == 0) return cache.invalidate_matching_detached("workstations:*");
  cache.invalidate_detached(workstations::item_cache_key(id));
  cache.invalidate_matching_detached("workstations:list:*");
}

std::string url_host(std::string const& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

int run(config::settings const& settings) {
  log::install(log::parse_level(settings.log.level).value_or(log::level::info),
               settings.log.access);
  auto& logger = log::get();

  auto const secret = jwt_secret(settings);
  if (!secret) {
    std::cerr << "wsd: " << secret.error() << std::endl;
    return 2;
  }

  metrics::registry metrics;
  db::database database(settings.db, settings.breaker, metrics);
  if (auto opened = database.open(); !opened) {
    std::cerr << "wsd: " << opened.error() << std::endl;
    return 1;
  }

  users::repository user_repo(database);
  auto const generated = user_repo.bootstrap_admin(settings.auth.admin_password);
  if (!generated) {
    std::cerr << "wsd: cannot create the admin user: " << generated.error() << std::endl;
    return 1;
  }
  if (*generated)
    std::cout << "wsd: created user 'admin' with generated password: " << **generated
              << "\n(shown once; set WSD_ADMIN_PASSWORD to choose it)" << std::endl;

  workstations::repository workstation_repo(database);
  auth::jwt_codec jwt(*secret, settings.auth.token_ttl);
  auth::token_cache token_cache;
  auth::token_verifier tokens(jwt, token_cache);
  auth::login_limiter limiter(settings.auth.login_max_failures, settings.auth.login_window);
  auto const threads = config::effective_threads(settings);
  asio::io_context ioc(static_cast<int>(threads));

  std::unique_ptr<cache::sharded_cache> cache;
  if (settings.cache.enabled) {
    cache = std::make_unique<cache::sharded_cache>(ioc.get_executor(), cache_options(settings));
    cache->start_sweeper();
    // Handlers invalidate before answering (read-your-writes); this catches
    // writes that commit after their request gave up waiting (504).
    workstation_repo.on_committed([c = cache.get()](std::int64_t id) { forget(*c, id); });
  }
  // Other instances on the same PostgreSQL database announce their writes.
  std::unique_ptr<db::change_feed> feed;
  if (cache && database.kind() == db::backend::postgresql)
    feed = std::make_unique<db::change_feed>(
        database.connect_string(), [c = cache.get()](std::int64_t id) { forget(*c, id); });
  api::services services{settings,  metrics, database, workstation_repo,
                         user_repo, jwt,     limiter,  cache.get()};
  api::dispatcher dispatch(services, tokens);

  http::server server(
      ioc, settings.server, [&dispatch](http::request const& req) { return dispatch(req); },
      metrics, logger);
  auto const port = server.listen();
  if (!port) {
    std::cerr << "wsd: " << port.error() << std::endl;
    return 1;
  }
  server.start();
  // Database calls are awaited from a strand (see db::database::call).
  auto const sweep_strand = asio::make_strand(ioc);
  asio::steady_timer sweep_timer(sweep_strand);
  asio::co_spawn(sweep_strand, sweep_idempotency_keys(workstation_repo, sweep_timer),
                 asio::detached);

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    log::info("signal " + std::to_string(sig) + ": draining connections");
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          co_await server.shutdown();
          asio::post(sweep_strand, [&sweep_timer] { sweep_timer.cancel(); });
          if (cache) cache->stop();
          ioc.stop();
        },
        asio::detached);
  });

  std::cout << "wsd listening on http://" << url_host(settings.server.host) << ":" << *port
            << std::endl;
  log::info("serving with " + std::to_string(threads) + " threads, database " +
            std::string(database.backend_name()));

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();

  if (feed) feed->stop();
  database.close();
  log::info("stopped");
  logger.flush();
  return 0;
}

}  // namespace wsd::app
