// Users and their roles. Password hashes are stored, never returned: the
// only way to use one is authenticate(), which verifies on the blocking pool.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "wsd/auth/role.hpp"
#include "wsd/db/result.hpp"

namespace wsd::db {
class database;
}

namespace wsd::users {

struct user {
  std::string username;
  auth::role who = auth::role::viewer;
  std::string created_at;
};

std::string to_json(user const& u);

// 1-64 of [A-Za-z0-9._@-].
bool is_valid_username(std::string_view name) noexcept;

class repository {
 public:
  explicit repository(db::database& db, std::function<std::chrono::system_clock::time_point()> now =
                                            std::chrono::system_clock::now);

  // The user when the password is right; nullopt for a wrong password or an
  // unknown user, which take about the same time.
  boost::asio::awaitable<db::result<std::optional<user>>> authenticate(std::string username,
                                                                       std::string password);
  boost::asio::awaitable<db::result<std::vector<user>>> list();
  // 409 when the name is taken. Hashes the password on the blocking pool.
  boost::asio::awaitable<db::result<user>> create(std::string username, std::string password,
                                                  auth::role who);
  // 404 when absent, 409 when it is the last admin.
  boost::asio::awaitable<db::result<void>> remove(std::string username);

  // At start, blocking: with no users at all, creates `admin` with the given
  // password, or a generated one. Returns the password it generated, if any.
  boost::system::result<std::optional<std::string>, std::string> bootstrap_admin(
      std::optional<std::string> const& password);

 private:
  db::database& db_;
  std::function<std::chrono::system_clock::time_point()> now_;
};

}  // namespace wsd::users
