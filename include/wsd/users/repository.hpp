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
#include "wsd/core/error.hpp"
#include "wsd/util/clock.hpp"

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
  explicit repository(db::database& db, util::clock const& clock = util::clock::system());

  // The user when the password is right; nullopt for a wrong password or an
  // unknown user, which take about the same time.
  boost::asio::awaitable<core::result<std::optional<user>>> authenticate(std::string username,
                                                                         std::string password);
  boost::asio::awaitable<core::result<std::vector<user>>> list();
  // conflict when the name is taken. Hashes the password on the blocking pool.
  boost::asio::awaitable<core::result<user>> create(std::string username, std::string password,
                                                    auth::role who);
  // not_found when absent, conflict when it is the last admin.
  boost::asio::awaitable<core::result<void>> remove(std::string username);

  // At start, blocking: with no users at all, creates `admin` with the given
  // password, or a generated one. Returns the password it generated, if any.
  boost::system::result<std::optional<std::string>, std::string> bootstrap_admin(
      std::optional<std::string> const& password);

 private:
  db::database& db_;
  util::clock const& clock_;
};

}  // namespace wsd::users
