#include "wsd/workstations/repository.hpp"

#include <soci/soci.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "wsd/db/change_feed.hpp"
#include "wsd/db/database.hpp"
#include "wsd/util/time.hpp"

namespace wsd::workstations {

namespace {

constexpr std::string_view columns =
    "w.id, w.name, w.host, w.port, w.status, w.description, w.tags, w.version, w.created_at, "
    "w.updated_at";

// Integer columns come back as int or long long depending on backend and
// declared type.
std::int64_t int_at(soci::row const& r, std::size_t i) {
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer:
      return r.get<int>(i);
    case soci::dt_long_long:
      return r.get<long long>(i);
    case soci::dt_unsigned_long_long:
      return static_cast<std::int64_t>(r.get<unsigned long long>(i));
    case soci::dt_double:
      return static_cast<std::int64_t>(r.get<double>(i));
    default:
      return std::stoll(r.get<std::string>(i));
  }
}

std::string tags_to_json(std::vector<std::string> const& tags) {
  boost::json::array a;
  for (auto const& t : tags) a.emplace_back(t);
  return boost::json::serialize(a);
}

std::vector<std::string> tags_from_json(std::string const& text) {
  std::vector<std::string> tags;
  boost::system::error_code ec;
  auto const v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return tags;
  for (auto const& t : v.get_array())
    if (t.is_string()) tags.emplace_back(t.get_string());
  return tags;
}

workstation from_row(soci::row const& r) {
  workstation w;
  w.id = int_at(r, 0);
  w.name = r.get<std::string>(1);
  w.host = r.get<std::string>(2);
  w.port = static_cast<std::uint16_t>(int_at(r, 3));
  w.state = parse_status(r.get<std::string>(4)).value_or(status::offline);
  w.description = r.get<std::string>(5);
  w.tags = tags_from_json(r.get<std::string>(6));
  w.version = int_at(r, 7);
  w.created_at = r.get<std::string>(8);
  w.updated_at = r.get<std::string>(9);
  return w;
}

std::optional<workstation> find(soci::session& sql, std::int64_t id, bool for_update) {
  long long key = id;
  soci::row r;
  sql << "SELECT " << columns << " FROM workstations w WHERE w.id = :id"
      << (for_update ? " FOR UPDATE" : ""),
      soci::use(key), soci::into(r);
  if (!sql.got_data()) return std::nullopt;
  return from_row(r);
}

void write_tags(soci::session& sql, std::int64_t id, std::vector<std::string> const& tags) {
  long long key = id;
  sql << "DELETE FROM workstation_tags WHERE workstation_id = :id", soci::use(key);
  for (auto const& tag : tags)
    sql << "INSERT INTO workstation_tags (tag, workstation_id) VALUES (:tag, :id)", soci::use(tag),
        soci::use(key);
}

core::error name_taken(std::string const& name);

// Stores every field of `w`; the caller has found the row. conflict when
// the new name is taken.
std::optional<core::error> update(soci::session& sql, workstation const& w) {
  std::string const state(to_string(w.state));
  std::string const tags = tags_to_json(w.tags);
  int const port = w.port;
  long long const version = w.version;
  long long const key = w.id;
  try {
    sql << "UPDATE workstations SET name = :name, host = :host, port = :port, status = :status, "
           "description = :description, tags = :tags, version = :version, updated_at = "
           ":updated WHERE id = :id",
        soci::use(w.name), soci::use(w.host), soci::use(port), soci::use(state),
        soci::use(w.description), soci::use(tags), soci::use(version), soci::use(w.updated_at),
        soci::use(key);
  } catch (soci::soci_error const& e) {
    if (db::database::is_unique_violation(e)) return name_taken(w.name);
    throw;
  }
  return std::nullopt;
}

core::error name_taken(std::string const& name) {
  return core::conflict("a workstation named '" + name + "' already exists");
}

core::error missing(std::int64_t id) {
  return core::not_found("workstation " + std::to_string(id) + " not found");
}

// One write transaction, with the Idempotency-Key protocol around it when
// a key is given: a stored answer is replayed; otherwise the key is claimed,
// `write` runs and the key is completed with its answer in the same
// transaction. A concurrent attempt that claimed the key first makes the
// claim fail: then the transaction is rolled back and the key looked up again.
workstation const* written(workstation const& w) noexcept {
  return &w;
}
workstation const* written(nothing) noexcept {
  return nullptr;
}

template <class T, class Write>
core::result<write_result<T>> idempotent_write(db::database& db, soci::session& sql,
                                               idempotency::in_flight& running, key const& idem,
                                               std::chrono::system_clock::time_point now,
                                               Write write) {
  auto const ticket = idem ? running.begin(idem->request) : std::nullopt;
  if (idem && !ticket)
    return core::conflict("a request with this Idempotency-Key is still being processed");
  for (int attempt = 0;; ++attempt) {
    db::database::write_transaction tr(db, sql);
    if (idem) {
      auto const stored = idempotency::find(sql, idem->request, now);
      if (!stored) return stored.error();
      if (*stored) return write_result<T>{T{}, **stored};
      try {
        idempotency::claim(sql, idem->request, now);
      } catch (soci::soci_error const& e) {
        if (attempt > 0 || !db::database::is_unique_violation(e)) throw;
        continue;
      }
    }
    auto done = write(sql);
    if (!done) return done.error();
    if (idem) idempotency::complete(sql, idem->request, idem->answer(written(*done)));
    tr.commit();
    return write_result<T>{std::move(*done), std::nullopt};
  }
}

// Tells other instances on the same PostgreSQL database, on commit.
void announce(db::database const& database, soci::session& sql, std::int64_t id) {
  if (database.kind() == db::backend::postgresql) db::change_feed::announce(sql, id);
}

}  // namespace

repository::repository(db::database& db, util::clock const& clock)
    : db_(db), clock_(clock), running_(std::make_shared<idempotency::in_flight>()) {}

boost::asio::awaitable<core::result<write_result<workstation>>> repository::create(
    new_workstation in, key idem) {
  auto const now = clock_.wall();
  return db_.run([&database = db_, running = running_, committed = committed_, in = std::move(in),
                  idem = std::move(idem),
                  now](soci::session& sql) -> core::result<write_result<workstation>> {
    auto done = idempotent_write<workstation>(
        database, sql, *running, idem, now, [&](soci::session& sql) -> core::result<workstation> {
          auto const stamp = util::format_rfc3339(now);
          workstation w{0,       in.name, in.host, in.port, in.state, in.description,
                        in.tags, 1,       stamp,   stamp};
          std::string const state(to_string(w.state));
          std::string const tags = tags_to_json(w.tags);
          int const port = w.port;
          long long id = 0;
          try {
            sql << "INSERT INTO workstations (name, host, port, status, description, tags, "
                   "version, created_at, updated_at) VALUES (:name, :host, :port, :status, "
                   ":description, :tags, 1, :created, :updated) RETURNING id",
                soci::use(w.name), soci::use(w.host), soci::use(port), soci::use(state),
                soci::use(w.description), soci::use(tags), soci::use(w.created_at),
                soci::use(w.updated_at), soci::into(id);
          } catch (soci::soci_error const& e) {
            if (db::database::is_unique_violation(e)) return name_taken(w.name);
            throw;
          }
          w.id = id;
          write_tags(sql, w.id, w.tags);
          announce(database, sql, w.id);
          return w;
        });
    if (done && !done->replayed && committed) committed(done->value.id);
    return done;
  });
}

boost::asio::awaitable<core::result<workstation>> repository::get(std::int64_t id) {
  return db_.read([id](soci::session& sql) -> core::result<workstation> {
    auto w = find(sql, id, false);
    if (!w) return missing(id);
    return std::move(*w);
  });
}

boost::asio::awaitable<core::result<page>> repository::list(list_query q) {
  return db_.read([&database = db_, q = std::move(q)](soci::session& sql) -> core::result<page> {
    // The SQL text is made of constant pieces only; filters are bound.
    std::string where = " WHERE 1 = 1";
    std::string const state = q.state ? std::string(to_string(*q.state)) : std::string();
    if (q.state) where += " AND w.status = :status";
    if (q.tag)
      where +=
          " AND EXISTS (SELECT 1 FROM workstation_tags t WHERE t.workstation_id = w.id AND t.tag "
          "= :tag)";
    auto bind_filters = [&](auto&& stmt) {
      if (q.state) stmt, soci::use(state, "status");
      if (q.tag) stmt, soci::use(*q.tag, "tag");
    };

    page result;
    long long total = 0;
    // total and items from one snapshot: a write between the two statements
    // must not make them disagree.
    db::database::read_transaction const snapshot(database, sql);
    {
      auto count = (sql.prepare << "SELECT COUNT(*) FROM workstations w" + where);
      bind_filters(count);
      count, soci::into(total);
      soci::statement st(count);
      st.execute(true);
    }
    result.total = total;

    long long const limit = q.limit;
    long long const offset = static_cast<long long>(q.offset);
    auto select = (sql.prepare << "SELECT " + std::string(columns) + " FROM workstations w" +
                                      where + " ORDER BY w.id LIMIT :limit OFFSET :offset");
    bind_filters(select);
    select, soci::use(limit, "limit"), soci::use(offset, "offset");
    soci::rowset<soci::row> rows(select);
    result.items.reserve(std::min<std::size_t>(q.limit, static_cast<std::size_t>(total)));
    for (auto const& r : rows) result.items.push_back(from_row(r));
    return result;
  });
}

boost::asio::awaitable<core::result<write_result<workstation>>> repository::patch(
    std::int64_t id, workstation_patch p, precondition check, key idem) {
  auto const now = clock_.wall();
  return db_.run([&database = db_, running = running_, committed = committed_, id, p = std::move(p),
                  check = std::move(check), idem = std::move(idem),
                  now](soci::session& sql) -> core::result<write_result<workstation>> {
    auto done = idempotent_write<workstation>(
        database, sql, *running, idem, now, [&](soci::session& sql) -> core::result<workstation> {
          bool const pg = database.kind() == db::backend::postgresql;
          auto current = find(sql, id, pg);
          if (!current) return missing(id);
          if (check && !check(*current))
            return core::precondition_failed("If-Match does not match the current ETag");
          auto updated = *current;
          apply(updated, p);
          if (updated != *current) {
            updated.version = current->version + 1;
            updated.updated_at = util::format_rfc3339(now);
            if (auto const taken = update(sql, updated)) return *taken;
            if (updated.tags != current->tags) write_tags(sql, id, updated.tags);
            announce(database, sql, id);
          }
          return updated;
        });
    if (done && !done->replayed && committed) committed(id);
    return done;
  });
}

boost::asio::awaitable<core::result<write_result<nothing>>> repository::remove(std::int64_t id,
                                                                               key idem) {
  auto const now = clock_.wall();
  return db_.run([&database = db_, running = running_, committed = committed_, id,
                  idem = std::move(idem),
                  now](soci::session& sql) -> core::result<write_result<nothing>> {
    auto done = idempotent_write<nothing>(
        database, sql, *running, idem, now, [&](soci::session& sql) -> core::result<nothing> {
          long long const key = id;
          sql << "DELETE FROM workstation_tags WHERE workstation_id = :id", soci::use(key);
          soci::statement st =
              (sql.prepare << "DELETE FROM workstations WHERE id = :id", soci::use(key));
          st.execute(true);
          if (st.get_affected_rows() == 0) return missing(id);
          announce(database, sql, id);
          return nothing{};
        });
    if (done && !done->replayed && committed) committed(id);
    return done;
  });
}

boost::asio::awaitable<core::result<std::size_t>> repository::sweep_keys() {
  auto const now = clock_.wall();
  return db_.run([now](soci::session& sql) -> core::result<std::size_t> {
    return idempotency::sweep(sql, now);
  });
}

}  // namespace wsd::workstations
