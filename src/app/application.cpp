#include "wsd/app/application.hpp"

#include <iostream>
#include <optional>
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
#include "wsd/api/workstation_cache.hpp"
#include "wsd/auth/hash_pool.hpp"
#include "wsd/auth/login_limiter.hpp"
#include "wsd/auth/password.hpp"
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

// An io_context whose pending work can be destroyed on demand: shutdown()
// destroys every handler still queued or waiting — suspended coroutines
// among them — while the objects those coroutines reference still exist.
// ~io_context would do the same, but only after them.
class io_runtime : public asio::io_context {
 public:
  using asio::execution_context::shutdown;
  using asio::io_context::io_context;
};

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

std::unique_ptr<cache::sharded_cache> make_cache(asio::io_context& ioc,
                                                 config::settings const& settings) {
  if (!settings.cache.enabled) return nullptr;
  return std::make_unique<cache::sharded_cache>(ioc.get_executor(), cache_options(settings));
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

auth::login_limits login_limits(config::settings const& s) {
  auth::login_limits l;
  l.per_pair = s.auth.login_max_failures;
  l.per_address = s.auth.login_max_failures_per_address;
  l.window = s.auth.login_window;
  return l;
}

// The bootstrap password obeys the policy every other password does.
std::optional<std::string> bootstrap_password_problem(config::settings const& s) {
  auto const& given = s.auth.admin_password;
  if (!given) return std::nullopt;
  auto const problem = auth::password_problem(*given, "admin", s.auth.min_password_length);
  if (!problem) return std::nullopt;
  return "WSD_ADMIN_PASSWORD " + *problem;
}

std::string url_host(std::string const& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

// Declared in the order a request travels them; C++ destroys members in
// reverse, so nothing is destroyed before what uses it. The io_context
// comes first: it outlives every strand, timer and socket built on it.
struct application::parts {
  parts(config::settings const& s, std::string secret)
      : ioc(static_cast<int>(config::effective_threads(s))),
        database(s.db, s.breaker, metrics),
        hashes(config::effective_hash_threads(s), s.auth.max_pending_logins),
        users(database, hashes),
        workstations(database),
        jwt(std::move(secret), s.auth.token_ttl),
        tokens(jwt, token_cache),
        limiter(login_limits(s)),
        cache(make_cache(ioc, s)),
        ws_cache(cache.get()),
        services{s,   metrics, database,    workstations, users,
                 jwt, limiter, cache.get(), ws_cache,     hashes},
        dispatch(services, tokens),
        server(
            ioc, s.server, [this](http::request const& req) { return dispatch(req); }, metrics,
            log::get()),
        sweep_strand(asio::make_strand(ioc)),
        sweep_timer(sweep_strand),
        signals(ioc, SIGINT, SIGTERM) {}

  io_runtime ioc;
  metrics::registry metrics;
  db::database database;
  auth::hash_pool hashes;
  users::repository users;
  workstations::repository workstations;
  auth::jwt_codec jwt;
  auth::token_cache token_cache;
  auth::token_verifier tokens;
  auth::login_limiter limiter;
  std::unique_ptr<cache::sharded_cache> cache;
  api::workstation_cache ws_cache;
  std::unique_ptr<db::change_feed> feed;
  api::services services;
  api::dispatcher dispatch;
  http::server server;
  asio::strand<asio::io_context::executor_type> sweep_strand;
  asio::steady_timer sweep_timer;
  asio::signal_set signals;

  // Connects the parts that talk to each other once all exist.
  void wire();
  void on_signal(int sig);
  void serve(unsigned threads);
};

void application::parts::wire() {
  // Every committed write — also one whose caller gave up waiting —
  // forgets what the cache holds of it, before its answer is handed back.
  workstations.on_committed([&c = ws_cache](std::int64_t id) { c.forget(id); });
  // Other instances on the same PostgreSQL database announce their writes.
  if (cache && database.kind() == db::backend::postgresql) {
    db::change_feed::handlers on;
    on.workstation_changed = [&c = ws_cache](std::int64_t id) { c.forget(id); };
    // What was heard may be incomplete: revalidate, but keep the entries
    // for STALE answers should the database be failing.
    on.on_doubt = [&c = ws_cache](db::doubt) { c.expire_all(); };
    feed = std::make_unique<db::change_feed>(database.connect_string(), std::move(on),
                                             metrics.change_feed);
    if (!feed->wait_first_attempt(std::chrono::seconds(5)))
      log::warn("change feed not listening yet; cached workstations revalidate once it is");
  }
  if (cache) cache->start_sweeper();
  // Database calls are awaited from a strand (see db::database::call).
  asio::co_spawn(sweep_strand, sweep_idempotency_keys(workstations, sweep_timer), asio::detached);
  signals.async_wait([this](boost::system::error_code ec, int sig) {
    if (!ec) on_signal(sig);
  });
}

// Drains the server, then stops everything that would keep the io_context
// busy; the threads return from run() once it is stopped.
void application::parts::on_signal(int sig) {
  log::info("signal " + std::to_string(sig) + ": draining connections");
  asio::co_spawn(
      ioc,
      [this]() -> asio::awaitable<void> {
        co_await server.shutdown();
        asio::post(sweep_strand, [this] { sweep_timer.cancel(); });
        if (cache) cache->stop();
        ioc.stop();
      },
      asio::detached);
}

void application::parts::serve(unsigned threads) {
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([this] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  if (feed) feed->stop();
  hashes.stop();
  // What is still suspended (a request that outlived the drain, a database
  // call awaiting its timeout) is destroyed now, while the cache and the
  // database it references still exist; the database's pool is joined after.
  ioc.shutdown();
  database.close();
}

application::application(config::settings const& settings) : settings_(settings) {}

application::~application() = default;

int application::run() {
  log::install(log::parse_level(settings_.log.level).value_or(log::level::info),
               settings_.log.access, settings_.log.max_buffer_bytes);
  auto const secret = jwt_secret(settings_);
  if (!secret) {
    std::cerr << "wsd: " << secret.error() << std::endl;
    return 2;
  }
  if (auto const problem = bootstrap_password_problem(settings_)) {
    std::cerr << "wsd: " << *problem << std::endl;
    return 2;
  }
  parts_ = std::make_unique<parts>(settings_, *secret);
  auto& p = *parts_;
  if (auto opened = p.database.open(); !opened) {
    std::cerr << "wsd: " << opened.error() << std::endl;
    return 1;
  }
  auto const generated = p.users.bootstrap_admin(
      settings_.auth.admin_password, std::max<std::size_t>(20, settings_.auth.min_password_length));
  if (!generated) {
    std::cerr << "wsd: cannot create the admin user: " << generated.error() << std::endl;
    return 1;
  }
  if (*generated)
    std::cout << "wsd: created user 'admin' with generated password: " << **generated
              << "\n(shown once; set WSD_ADMIN_PASSWORD to choose it)" << std::endl;
  auto const port = p.server.listen();
  if (!port) {
    std::cerr << "wsd: " << port.error() << std::endl;
    return 1;
  }
  p.server.start();
  p.wire();
  std::cout << "wsd listening on http://" << url_host(settings_.server.host) << ":" << *port
            << std::endl;
  auto const threads = config::effective_threads(settings_);
  log::info("serving with " + std::to_string(threads) + " threads, database " +
            std::string(p.database.backend_name()));
  p.serve(threads);
  log::info("stopped");
  log::get().flush();
  return 0;
}

int run(config::settings const& settings) {
  return application(settings).run();
}

}  // namespace wsd::app
