// One HTTP request as bytes on the wire, read as the session reads it (the
// strict head checks, Beast's parser with the server's limits, the framing
// rules, the same request view), then the real dispatcher, routes, handlers, cache and
// repositories over a SQLite file in a temporary directory. No sockets: the
// io_context runs on this thread until the answer is ready.
//
// "Authorization: Bearer admin" (or operator, viewer) is replaced by a valid
// token for that role, so the fuzzer reaches the authenticated routes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/message_reading.hpp"
#include "wsd/api/routes.hpp"
#include "wsd/api/workstation_cache.hpp"
#include "wsd/auth/login_limiter.hpp"
#include "wsd/auth/token_cache.hpp"
#include "wsd/cache/sharded_cache.hpp"
#include "wsd/config/config.hpp"
#include "wsd/db/database.hpp"
#include "wsd/http/strict.hpp"
#include "wsd/users/repository.hpp"
#include "wsd/workstations/repository.hpp"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace wsd;

// The store is rebuilt after this many inputs so rows, idempotency keys and
// login failures cannot pile up.
constexpr unsigned inputs_per_store = 500;

std::string make_temp_dir() {
  std::string path = (std::filesystem::temp_directory_path() / "wsd-fuzz-XXXXXX").string();
  if (!mkdtemp(path.data())) std::abort();
  return path;
}

config::settings fuzz_settings(std::string const& dir) {
  config::settings s;
  s.db.url = "sqlite3://db=" + dir + "/wsd.db";
  s.db.pool_size = 2;
  return s;
}

std::unique_ptr<cache::sharded_cache> make_cache(asio::io_context& io, config::settings const& s) {
  cache::options o;
  o.shards = 2;
  o.max_bytes = s.cache.max_bytes;
  o.ttl = s.cache.ttl;
  o.max_stale = s.cache.max_stale;
  return std::make_unique<cache::sharded_cache>(io.get_executor(), o);
}

// What the application owns, in its order (as test/support/api_harness.cpp).
struct app {
  explicit app(asio::io_context& io)
      : dir(make_temp_dir()),
        settings(fuzz_settings(dir)),
        database(settings.db, settings.breaker, metrics),
        users(database),
        workstations(database),
        jwt("fuzz-secret-0123456789abcdef0123456789", settings.auth.token_ttl),
        tokens(jwt, token_cache),
        limiter(settings.auth.login_max_failures, settings.auth.login_window),
        cache(make_cache(io, settings)),
        ws_cache(cache.get()),
        services{settings, metrics, database,    workstations, users,
                 jwt,      limiter, cache.get(), ws_cache},
        dispatch(services, tokens),
        admin("Bearer " + jwt.issue("admin", auth::role::admin)),
        operator_("Bearer " + jwt.issue("ops", auth::role::operator_)),
        viewer("Bearer " + jwt.issue("viewer", auth::role::viewer)) {
    if (!database.open()) std::abort();
    workstations.on_committed([&c = ws_cache](std::int64_t id) { c.forget(id); });
  }
  ~app() {
    database.close();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  app(app const&) = delete;
  app& operator=(app const&) = delete;

  std::string dir;
  config::settings settings;
  metrics::registry metrics;
  db::database database;
  users::repository users;
  workstations::repository workstations;
  auth::jwt_codec jwt;
  auth::token_cache token_cache;
  auth::token_verifier tokens;
  auth::login_limiter limiter;
  std::unique_ptr<cache::sharded_cache> cache;
  api::workstation_cache ws_cache;
  api::services services;
  api::dispatcher dispatch;
  std::string admin, operator_, viewer;
};

// Reads `bytes` as the session reads one request; false when the server
// would answer an error (or nothing) instead of calling a handler.
bool parse(std::string_view bytes, config::settings const& s, http::beast_parser& parser) {
  auto const head = http::head_end(bytes);
  if (head == 0 || head > s.server.max_header_bytes) return false;
  if (http::check_head(bytes.substr(0, head))) return false;
  parser.header_limit(static_cast<std::uint32_t>(s.server.max_header_bytes));
  parser.body_limit(s.server.max_body_bytes);
  parser.eager(true);
  boost::system::error_code ec;
  auto const used = parser.put(asio::buffer(bytes.data(), head), ec);
  if (ec || used != head || !parser.is_header_done()) return false;
  if (http::framing_error(parser, s.server.max_body_bytes)) return false;
  bytes.remove_prefix(head);
  while (!bytes.empty() && !parser.is_done()) {
    auto const n = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec == bhttp::error::need_more) break;
    if (ec) return false;
    if (n == 0) break;
    bytes.remove_prefix(n);
  }
  if (!parser.is_done()) return false;  // the session would wait, then close
  return http::field_bytes(parser.get()) <= s.server.max_header_bytes;
}

std::string_view token_for(app const& a, std::string_view authorization) {
  if (authorization == "Bearer admin") return a.admin;
  if (authorization == "Bearer operator") return a.operator_;
  if (authorization == "Bearer viewer") return a.viewer;
  return authorization;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  static asio::io_context io;
  static std::unique_ptr<app> current;
  static unsigned inputs = 0;
  if (!current || ++inputs % inputs_per_store == 0) {
    current.reset();
    current = std::make_unique<app>(io);
  }

  http::beast_parser parser;
  if (!parse({reinterpret_cast<char const*>(data), size}, current->settings, parser)) return 0;
  auto const& msg = parser.get();
  auto req = http::to_request(msg, "127.0.0.1:1");
  req.authorization = token_for(*current, msg[bhttp::field::authorization]);

  std::optional<http::response> out;
  asio::co_spawn(io, current->dispatch(req), [&](std::exception_ptr e, http::response res) {
    // The session turns an exception into a 500; here it is a finding.
    if (e) std::rethrow_exception(e);
    out.emplace(std::move(res));
  });
  io.restart();
  io.run();
  if (!out || out->status < 100 || out->status > 599) std::abort();
  return 0;
}
