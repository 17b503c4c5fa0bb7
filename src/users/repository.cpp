#include "wsd/users/repository.hpp"

#include <soci/soci.h>

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

repository::repository(db::database& db, util::clock const& clock) : db_(db), clock_(clock) {}

boost::asio::awaitable<core::result<std::optional<user>>> repository::authenticate(
    std::string username, std::string password) {
  return db_.call([&database = db_, username = std::move(username),
                   password = std::move(password)]() -> core::result<std::optional<user>> {
    struct found {
      user u;
      std::string hash;
    };
    auto const row =
        database.with_session([&](soci::session& sql) -> core::result<std::optional<found>> {
          soci::row r;
          sql << "SELECT username, role, created_at, password_hash FROM users WHERE username = :u",
              soci::use(username), soci::into(r);
          if (!sql.got_data()) return std::optional<found>();
          return std::optional<found>(found{from_row(r), r.get<std::string>(3)});
        });
    if (!row) return row.error();
    // The hash is checked after the session is given back: argon2 takes
    // tens of milliseconds that no query should wait for.
    if (!*row) {
      auth::burn_verify_time(password);
      return std::optional<user>();
    }
    if (!auth::verify_password(password, (*row)->hash)) return std::optional<user>();
    return std::optional<user>((*row)->u);
  });
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
  return db_.call([&database = db_, username = std::move(username), password = std::move(password),
                   who, stamp]() -> core::result<user> {
    auto const hash = auth::hash_password(password);
    return database.with_session([&](soci::session& sql) -> core::result<user> {
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
    });
  });
}

boost::asio::awaitable<core::result<void>> repository::remove(std::string username) {
  return db_.run(
      [&database = db_, username = std::move(username)](soci::session& sql) -> core::result<void> {
        db::database::write_transaction tr(database, sql);
        bool const pg = database.kind() == db::backend::postgresql;
        // Locking every admin row serialises concurrent deletions of admins, so
        // two of them cannot both see "another admin is left".
        std::vector<std::string> admins;
        soci::rowset<std::string> rows =
            (sql.prepare << "SELECT username FROM users WHERE role = 'admin'"
                         << (pg ? " FOR UPDATE" : ""));
        for (auto const& name : rows) admins.push_back(name);
        bool const is_admin = std::find(admins.begin(), admins.end(), username) != admins.end();
        if (is_admin && admins.size() == 1) return core::conflict("cannot delete the last admin");
        soci::statement st =
            (sql.prepare << "DELETE FROM users WHERE username = :u", soci::use(username));
        st.execute(true);
        if (st.get_affected_rows() == 0)
          return core::not_found("user '" + username + "' not found");
        tr.commit();
        return {};
      });
}

boost::system::result<std::optional<std::string>, std::string> repository::bootstrap_admin(
    std::optional<std::string> const& password) {
  auto const stamp = util::format_rfc3339(clock_.wall());
  auto const done = db_.pool().run_sync([&]() -> core::result<std::optional<std::string>> {
    return db_.with_session([&](soci::session& sql) -> core::result<std::optional<std::string>> {
      long long count = 0;
      sql << "SELECT COUNT(*) FROM users", soci::into(count);
      if (count > 0) return std::optional<std::string>();
      std::optional<std::string> generated;
      if (!password) generated = auth::random_password();
      auto const hash = auth::hash_password(password ? *password : *generated);
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
