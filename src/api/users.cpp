#include "wsd/api/users.hpp"

#include "wsd/api/representation.hpp"
#include "wsd/users/repository.hpp"

namespace wsd::api::users {

namespace {

constexpr std::size_t min_password = 8;
constexpr std::size_t max_password = 1024;

struct new_user {
  std::string username;
  std::string password;
  wsd::auth::role who = wsd::auth::role::viewer;
};

boost::system::result<new_user, std::vector<core::field_error>> validate(
    boost::json::object const& body) {
  new_user u;
  std::vector<core::field_error> errors;
  auto const* name = body.if_contains("username");
  if (!name || !name->is_string() || !wsd::users::is_valid_username(name->get_string()))
    errors.push_back({"username", "is required: 1-64 of A-Z a-z 0-9 . _ @ -"});
  else
    u.username = name->get_string();
  auto const* password = body.if_contains("password");
  if (!password || !password->is_string() || password->get_string().size() < min_password ||
      password->get_string().size() > max_password)
    errors.push_back({"password", "is required: 8-1024 characters"});
  else
    u.password = password->get_string();
  if (auto const* role = body.if_contains("role")) {
    auto const parsed = role->is_string() ? wsd::auth::parse_role(role->get_string())
                                          : std::optional<wsd::auth::role>();
    if (!parsed)
      errors.push_back({"role", "must be one of viewer, operator, admin"});
    else
      u.who = *parsed;
  } else {
    errors.push_back({"role", "is required: viewer, operator or admin"});
  }
  for (auto const& [key, value] : body)
    if (key != "username" && key != "password" && key != "role")
      errors.push_back({std::string(key), "unknown field"});
  if (!errors.empty()) return errors;
  return u;
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
  auto input = validate(*body);
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

}  // namespace wsd::api::users
