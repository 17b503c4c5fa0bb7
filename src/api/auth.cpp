#include "wsd/api/auth.hpp"

#include "wsd/api/representation.hpp"
#include "wsd/auth/login_limiter.hpp"
#include "wsd/auth/password.hpp"
#include "wsd/http/client_address.hpp"
#include "wsd/users/repository.hpp"
#include "wsd/util/json.hpp"
#include "wsd/util/percent.hpp"

namespace wsd::api::auth {

namespace {

struct credentials {
  std::string username;
  std::string password;
};

bool is_form(std::string_view content_type) noexcept {
  auto const semi = content_type.find(';');
  auto type = content_type.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  constexpr std::string_view form = "application/x-www-form-urlencoded";
  return type.size() == form.size() &&
         std::equal(type.begin(), type.end(), form.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

// OAuth2 password-grant clients send username=...&password=... form-encoded.
// A missing or badly encoded field is invalid, as in a JSON body.
core::result<credentials> from_form(std::string_view body) {
  credentials c;
  std::vector<core::field_error> errors;
  for (auto const field : {"username", "password"}) {
    auto value = util::query_param(body, field);
    if (!value)
      errors.push_back({field, "is required"});
    else
      (std::string_view(field) == "username" ? c.username : c.password) = std::move(*value);
  }
  if (!errors.empty()) return core::validation_failed(std::move(errors));
  return c;
}

core::result<credentials> from_json(http::request const& req) {
  auto const body = json_body(req, false);
  if (!body) return body.error();
  credentials c;
  std::vector<core::field_error> errors;
  for (auto const field : {"username", "password"}) {
    auto const* v = body->if_contains(field);
    if (!v || !v->is_string())
      errors.push_back({field, "is required and must be a string"});
    else
      (std::string_view(field) == "username" ? c.username : c.password) = v->get_string();
  }
  if (!errors.empty()) return core::validation_failed(std::move(errors));
  return c;
}

}  // namespace

boost::asio::awaitable<reply> login(context& ctx) {
  auto const given = is_form(ctx.req.content_type) ? from_form(ctx.req.body) : from_json(ctx.req);
  if (!given) co_return given.error();
  auto& counts = ctx.svc.metrics.logins;
  if (given->username.empty() || given->password.empty()) {
    counts.bad_credentials.fetch_add(1, std::memory_order_relaxed);
    co_return core::unauthorized("invalid username or password");
  }

  auto& limiter = ctx.svc.login_limiter;
  auto const address = http::client_address(ctx.req.remote, ctx.req.forwarded_for,
                                            ctx.svc.settings.server.trusted_proxies);
  auto const reserved = limiter.reserve(given->username, address);
  if (!reserved.granted) {
    counts.throttled.fetch_add(1, std::memory_order_relaxed);
    co_return core::too_many_requests("too many failed logins; retry later", reserved.retry_after);
  }
  auto const& attempt = *reserved.granted;

  auto const answer = co_await ctx.svc.users.authenticate(given->username, given->password);
  if (!answer || answer->verdict == wsd::users::login_verdict::overloaded) {
    // Nothing was checked: the attempt counts as nothing.
    limiter.withdraw(attempt);
    if (!answer) co_return answer.error();
    counts.overloaded.fetch_add(1, std::memory_order_relaxed);
    co_return core::unavailable("too many logins in progress; retry later",
                                std::chrono::seconds(1));
  }
  if (answer->verdict == wsd::users::login_verdict::bad_credentials) {
    counts.bad_credentials.fetch_add(1, std::memory_order_relaxed);
    co_return core::unauthorized("invalid username or password");
  }
  limiter.succeeded(attempt);
  counts.accepted.fetch_add(1, std::memory_order_relaxed);

  auto const& u = *answer->who;
  std::string body = R"({"access_token":")";
  body += ctx.svc.jwt.issue(u.username, u.who);
  body += R"(","token_type":"bearer","expires_in":)";
  body += std::to_string(ctx.svc.jwt.ttl().count());
  body += R"(,"role":")";
  body += wsd::auth::to_string(u.who);
  body += "\"}";
  auto res = http::json_response(200, std::move(body));
  res.set("Cache-Control", "no-store");
  co_return res;
}

boost::asio::awaitable<reply> me(context& ctx) {
  std::string body = R"({"username":)";
  util::append_json_string(body, ctx.user->sub);
  body += R"(,"role":")";
  body += wsd::auth::to_string(ctx.user->who);
  body += "\"}";
  co_return http::json_response(200, std::move(body));
}

}  // namespace wsd::api::auth

namespace wsd::api::auth {

namespace {

struct password_change {
  std::string current;
  std::string next;
};

core::result<password_change> read_password_change(context const& ctx) {
  auto const body = json_body(ctx.req, false);
  if (!body) return body.error();
  password_change c;
  std::vector<core::field_error> errors;
  auto const* current = body->if_contains("current_password");
  if (!current || !current->is_string())
    errors.push_back({"current_password", "is required and must be a string"});
  else
    c.current = current->get_string();
  auto const* next = body->if_contains("new_password");
  if (!next || !next->is_string()) {
    errors.push_back({"new_password", "is required and must be a string"});
  } else {
    c.next = next->get_string();
    if (auto const problem = wsd::auth::password_problem(c.next, ctx.user->sub,
                                                         ctx.svc.settings.auth.min_password_length))
      errors.push_back({"new_password", *problem});
  }
  for (auto const& [key, value] : *body)
    if (key != "current_password" && key != "new_password")
      errors.push_back({std::string(key), "unknown field"});
  if (!errors.empty()) return core::validation_failed(std::move(errors));
  return c;
}

}  // namespace

boost::asio::awaitable<reply> change_password(context& ctx) {
  auto change = read_password_change(ctx);
  if (!change) co_return change.error();
  auto const checked = co_await ctx.svc.users.authenticate(ctx.user->sub, change->current);
  if (!checked) co_return checked.error();
  if (checked->verdict == wsd::users::login_verdict::overloaded)
    co_return core::unavailable("too many password checks in progress; retry later",
                                std::chrono::seconds(1));
  if (checked->verdict == wsd::users::login_verdict::bad_credentials)
    co_return core::validation_failed({{"current_password", "is not the current password"}});
  wsd::users::user_change next;
  next.password = std::move(change->next);
  auto const done = co_await ctx.svc.users.update(ctx.user->sub, std::move(next));
  if (!done) co_return done.error();
  co_return http::empty_response(204);
}

boost::asio::awaitable<reply> logout(context& ctx) {
  static_cast<void>(ctx);
  co_return http::empty_response(204);
}

}  // namespace wsd::api::auth
