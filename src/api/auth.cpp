#include "wsd/api/auth.hpp"

#include "wsd/api/representation.hpp"
#include "wsd/auth/login_limiter.hpp"
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
  if (given->username.empty() || given->password.empty())
    co_return core::unauthorized("invalid username or password");

  auto& limiter = ctx.svc.login_limiter;
  if (auto const wait = limiter.retry_after(given->username))
    co_return core::too_many_requests("too many failed logins; retry later", *wait);

  auto const who = co_await ctx.svc.users.authenticate(given->username, given->password);
  if (!who) co_return who.error();
  if (!*who) {
    limiter.record_failure(given->username);
    co_return core::unauthorized("invalid username or password");
  }
  limiter.record_success(given->username);

  auto const& u = **who;
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
