// Users and their roles. Password hashes are stored, never returned: the
// only way to use one is authenticate(), which looks the user up without the
// circuit breaker and verifies on the hash pool, holding no connection then.
#pragma once

#include <chrono>
#include <cstdint>
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
namespace wsd::auth {
class hash_pool;
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

enum class login_verdict : std::uint8_t {
  accepted,
  bad_credentials,  // wrong password or unknown user, after about the same work
  overloaded,       // auth.max_pending_logins already wait: nothing was checked
};

struct login_answer {
  login_verdict verdict = login_verdict::bad_credentials;
  std::optional<user> who;  // set when accepted
};

// What PATCH /api/users/{username} may change; absent fields stay.
struct user_change {
  std::optional<auth::role> who;
  std::optional<std::string> password;
};

class repository {
 public:
  repository(db::database& db, auth::hash_pool& hashes,
             util::clock const& clock = util::clock::system());

  // Admission on the hash pool first (overloaded beyond it), then the row,
  // then the hash. Database failures are errors; the breaker is not involved.
  boost::asio::awaitable<core::result<login_answer>> authenticate(std::string username,
                                                                  std::string password);
  boost::asio::awaitable<core::result<std::vector<user>>> list();
  // conflict when the name is taken. Hashes the password on the hash pool.
  boost::asio::awaitable<core::result<user>> create(std::string username, std::string password,
                                                    auth::role who);
  // not_found when absent, conflict when it is the last admin.
  boost::asio::awaitable<core::result<void>> remove(std::string username);
  // not_found when absent, conflict when it demotes the last admin.
  boost::asio::awaitable<core::result<user>> update(std::string username, user_change change);

  // At start, blocking: with no users at all, creates `admin` with the given
  // password, or a generated one. Returns the password it generated, if any.
  // The password is hashed before asking the database.
  boost::system::result<std::optional<std::string>, std::string> bootstrap_admin(
      std::optional<std::string> const& password, std::size_t generated_length);

 private:
  db::database& db_;
  auth::hash_pool& hashes_;
  util::clock const& clock_;
};

}  // namespace wsd::users
