#include "wsd/users/repository.hpp"

#include <soci/soci.h>

#include "wsd/auth/hash_pool.hpp"
#include "wsd/auth/password.hpp"
#include "wsd/db/database.hpp"
#include "wsd/util/json.hpp"
#include "wsd/util/time.hpp"

namespace wsd::users {

namespace {

user from_row(soci::row const& r) {
  return user{r.get<std::string>(0),
              auth::parse_role(r.get<std::string>(1)).value_or(auth::role::viewer),
              r.get<std::string>(2)};
}

struct stored_user {
  user u;
  std::string hash;
};

// The row of one user with its hash; nullopt when absent.
core::result<std::optional<stored_user>> find_row(soci::session& sql, std::string const& name) {
  soci::row r;
  sql << "SELECT username, role, created_at, password_hash FROM users WHERE username = :u",
      soci::use(name), soci::into(r);
  if (!sql.got_data()) return std::optional<stored_user>();
  return std::optional<stored_user>(stored_user{from_row(r), r.get<std::string>(3)});
}

// Runs on the hash pool: an unknown user costs what a wrong password does.
struct verify_job {
  std::string password;
  std::optional<std::string> hash;
  bool operator()() const {
    if (!hash) {
      auth::burn_verify_time(password);
      return false;
    }
    return auth::verify_password(password, *hash);
  }
};

struct hash_job {
  std::string password;
  std::string operator()() const { return auth::hash_password(password); }
};

// Locks every admin row (PostgreSQL) so that concurrent demotions and
// deletions of admins cannot both see "another admin is left".
std::vector<std::string> lock_admins(soci::session& sql, bool pg) {
  std::vector<std::string> admins;
  soci::rowset<std::string> rows = (sql.prepare << "SELECT username FROM users WHERE role = 'admin'"
                                                << (pg ? " FOR UPDATE" : ""));
  for (auto const& name : rows) admins.push_back(name);
  return admins;
}

bool is_last_admin(std::vector<std::string> const& admins, std::string const& name) {
  return admins.size() == 1 && admins.front() == name;
}

}  // namespace

std::string to_json(user const& u) {
  std::string out = R"({"username":)";
  util::append_json_string(out, u.username);
  out += R"(,"role":")";
  out += auth::to_string(u.who);
  out += R"(","created_at":")";
  out += u.created_at;
  out += "\"}";
  return out;
}

bool is_valid_username(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' &&
        c != '@')
      return false;
  return true;
}

repository::repository(db::database& db, auth::hash_pool& hashes, util::clock const& clock)
    : db_(db), hashes_(hashes), clock_(clock) {}

boost::asio::awaitable<core::result<login_answer>> repository::authenticate(std::string username,
                                                                            std::string password) {
  auto const admitted = hashes_.try_admit();
  if (!admitted) co_return login_answer{login_verdict::overloaded, std::nullopt};
  auto const lookup = [name = std::move(username)](soci::session& sql) {
    return find_row(sql, name);
  };
  // The row is read and its connection given back before argon2 runs.
  auto row = co_await db_.run(lookup, db::breaker_use::bypass);
  if (!row) co_return row.error();
  verify_job verify{std::move(password), std::nullopt};
  if (*row) verify.hash = (*row)->hash;
  bool const right = co_await hashes_.run(std::move(verify));
  if (!right) co_return login_answer{login_verdict::bad_credentials, std::nullopt};
  co_return login_answer{login_verdict::accepted, std::move((*row)->u)};
}

boost::asio::awaitable<core::result<std::vector<user>>> repository::list() {
  return db_.run([](soci::session& sql) -> core::result<std::vector<user>> {
    std::vector<user> out;
    soci::rowset<soci::row> rows =
        (sql.prepare << "SELECT username, role, created_at FROM users ORDER BY username");
    for (auto const& r : rows) out.push_back(from_row(r));
    return out;
  });
}

boost::asio::awaitable<core::result<user>> repository::create(std::string username,
                                                              std::string password,
                                                              auth::role who) {
  auto const stamp = util::format_rfc3339(clock_.wall());
  hash_job hashing{std::move(password)};
  auto hash = co_await hashes_.run(std::move(hashing));
  auto const insert = [username = std::move(username), hash = std::move(hash), who,
                       stamp](soci::session& sql) -> core::result<user> {
    std::string const role(auth::to_string(who));
    try {
      sql << "INSERT INTO users (username, password_hash, role, created_at) VALUES (:u, :h, "
             ":r, :c)",
          soci::use(username), soci::use(hash), soci::use(role), soci::use(stamp);
    } catch (soci::soci_error const& e) {
      if (db::database::is_unique_violation(e))
        return core::conflict("user '" + username + "' already exists");
      throw;
    }
    return user{username, who, stamp};
  };
  co_return co_await db_.run(insert);
}

boost::asio::awaitable<core::result<void>> repository::remove(std::string username) {
  return db_.run(
      [&database = db_, username = std::move(username)](soci::session& sql) -> core::result<void> {
        db::database::write_transaction tr(database, sql);
        auto const admins = lock_admins(sql, database.kind() == db::backend::postgresql);
        if (is_last_admin(admins, username)) return core::conflict("cannot delete the last admin");
        soci::statement st =
            (sql.prepare << "DELETE FROM users WHERE username = :u", soci::use(username));
        st.execute(true);
        if (st.get_affected_rows() == 0)
          return core::not_found("user '" + username + "' not found");
        tr.commit();
        return {};
      });
}

boost::asio::awaitable<core::result<user>> repository::update(std::string username,
                                                              user_change change) {
  std::optional<std::string> hash;
  if (change.password) {
    hash_job hashing{std::move(*change.password)};
    hash = co_await hashes_.run(std::move(hashing));
  }
  auto const apply = [&database = db_, username = std::move(username), who = change.who,
                      hash = std::move(hash)](soci::session& sql) -> core::result<user> {
    db::database::write_transaction tr(database, sql);
    auto const admins = lock_admins(sql, database.kind() == db::backend::postgresql);
    auto const found = find_row(sql, username);
    if (!found) return found.error();
    if (!*found) return core::not_found("user '" + username + "' not found");
    auto u = std::move((*found)->u);
    if (who && *who != auth::role::admin && is_last_admin(admins, username))
      return core::conflict("cannot demote the last admin");
    if (who) {
      std::string const role(auth::to_string(*who));
      sql << "UPDATE users SET role = :r WHERE username = :u", soci::use(role), soci::use(username);
      u.who = *who;
    }
    if (hash)
      sql << "UPDATE users SET password_hash = :h WHERE username = :u", soci::use(*hash),
          soci::use(username);
    tr.commit();
    return u;
  };
  co_return co_await db_.run(apply);
}

boost::system::result<std::optional<std::string>, std::string> repository::bootstrap_admin(
    std::optional<std::string> const& password, std::size_t generated_length) {
  auto const stamp = util::format_rfc3339(clock_.wall());
  std::optional<std::string> generated;
  if (!password) generated = auth::random_password(generated_length);
  auto const hash = auth::hash_password(password ? *password : *generated);
  auto const done = db_.pool().run_sync([&]() -> core::result<std::optional<std::string>> {
    return db_.with_session([&](soci::session& sql) -> core::result<std::optional<std::string>> {
      long long count = 0;
      sql << "SELECT COUNT(*) FROM users", soci::into(count);
      if (count > 0) return std::optional<std::string>();
      try {
        sql << "INSERT INTO users (username, password_hash, role, created_at) VALUES ('admin', "
               ":h, 'admin', :c)",
            soci::use(hash), soci::use(stamp);
      } catch (soci::soci_error const& e) {
        // Another instance bootstrapped the same database at the same time.
        if (db::database::is_unique_violation(e)) return std::optional<std::string>();
        throw;
      }
      return generated;
    });
  });
  if (!done) return {boost::system::in_place_error, done.error().message};
  return {boost::system::in_place_value, *done};
}

}  // namespace wsd::users
