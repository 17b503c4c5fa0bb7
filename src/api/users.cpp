#include "wsd/api/users.hpp"

#include <algorithm>
#include <initializer_list>

#include "wsd/api/representation.hpp"
#include "wsd/auth/password.hpp"
#include "wsd/users/repository.hpp"

namespace wsd::api::users {

namespace {

struct new_user {
  std::string username;
  std::string password;
  wsd::auth::role who = wsd::auth::role::viewer;
};

using field_errors = std::vector<core::field_error>;

// "role": one of the three names.
void read_role(boost::json::value const& v, std::optional<wsd::auth::role>& out,
               field_errors& errors) {
  auto const parsed =
      v.is_string() ? wsd::auth::parse_role(v.get_string()) : std::optional<wsd::auth::role>();
  if (!parsed)
    errors.push_back({"role", "must be one of viewer, operator, admin"});
  else
    out = *parsed;
}

// "password" under the one policy (see auth::password_problem).
void read_password(boost::json::value const* v, std::string_view username, std::size_t min_length,
                   std::string_view field, std::optional<std::string>& out, field_errors& errors) {
  if (!v || !v->is_string()) {
    errors.push_back({std::string(field), "is required and must be a string"});
    return;
  }
  std::string_view const text = v->get_string();
  if (auto const problem = wsd::auth::password_problem(text, username, min_length))
    errors.push_back({std::string(field), *problem});
  else
    out = std::string(text);
}

void refuse_unknown(boost::json::object const& body, std::initializer_list<std::string_view> known,
                    field_errors& errors) {
  for (auto const& [key, value] : body)
    if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end())
      errors.push_back({std::string(key), "unknown field"});
}

boost::system::result<new_user, field_errors> validate(boost::json::object const& body,
                                                       std::size_t min_length) {
  new_user u;
  field_errors errors;
  auto const* name = body.if_contains("username");
  if (!name || !name->is_string() || !wsd::users::is_valid_username(name->get_string()))
    errors.push_back({"username", "is required: 1-64 of A-Z a-z 0-9 . _ @ -"});
  else
    u.username = name->get_string();
  std::optional<std::string> password;
  read_password(body.if_contains("password"), u.username, min_length, "password", password, errors);
  if (password) u.password = std::move(*password);
  std::optional<wsd::auth::role> who;
  if (auto const* role = body.if_contains("role"))
    read_role(*role, who, errors);
  else
    errors.push_back({"role", "is required: viewer, operator or admin"});
  if (who) u.who = *who;
  refuse_unknown(body, {"username", "password", "role"}, errors);
  if (!errors.empty()) return errors;
  return u;
}

boost::system::result<wsd::users::user_change, field_errors> validate_change(
    boost::json::object const& body, std::string_view username, std::size_t min_length) {
  wsd::users::user_change change;
  field_errors errors;
  if (auto const* role = body.if_contains("role")) read_role(*role, change.who, errors);
  if (auto const* password = body.if_contains("password"))
    read_password(password, username, min_length, "password", change.password, errors);
  refuse_unknown(body, {"role", "password"}, errors);
  if (errors.empty() && !change.who && !change.password)
    errors.push_back({"role", "role or password is required"});
  if (!errors.empty()) return errors;
  return change;
}

}  // namespace

boost::asio::awaitable<reply> list(context& ctx) {
  auto const all = co_await ctx.svc.users.list();
  if (!all) co_return all.error();
  std::string body = R"({"items":[)";
  for (std::size_t i = 0; i < all->size(); ++i) {
    if (i) body += ',';
    body += wsd::users::to_json((*all)[i]);
  }
  body += R"(],"total":)" + std::to_string(all->size()) + "}";
  co_return http::json_response(200, std::move(body));
}

boost::asio::awaitable<reply> create(context& ctx) {
  auto const body = json_body(ctx.req, false);
  if (!body) co_return body.error();
  auto input = validate(*body, ctx.svc.settings.auth.min_password_length);
  if (!input) co_return core::validation_failed(input.error());
  auto const made = co_await ctx.svc.users.create(input->username, input->password, input->who);
  if (!made) co_return made.error();
  auto res = http::json_response(201, wsd::users::to_json(*made));
  res.set("Location", "/api/users/" + made->username);
  co_return res;
}

boost::asio::awaitable<reply> remove(context& ctx) {
  std::string username(ctx.params[0]);
  auto const done = co_await ctx.svc.users.remove(std::move(username));
  if (!done) co_return done.error();
  co_return http::empty_response(204);
}

boost::asio::awaitable<reply> patch(context& ctx) {
  std::string username(ctx.params[0]);
  auto const body = json_body(ctx.req, false);
  if (!body) co_return body.error();
  auto change = validate_change(*body, username, ctx.svc.settings.auth.min_password_length);
  if (!change) co_return core::validation_failed(change.error());
  auto const changed = co_await ctx.svc.users.update(std::move(username), std::move(*change));
  if (!changed) co_return changed.error();
  co_return http::json_response(200, wsd::users::to_json(*changed));
}

}  // namespace wsd::api::users
