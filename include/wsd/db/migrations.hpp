// Versioned schema migrations for both backends. Applied at start, each in
// its own transaction, recorded in schema_version; running them again is a
// no-op, and on PostgreSQL an advisory lock serialises concurrent starts.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include <soci/session.h>

#include "wsd/db/backend.hpp"

namespace wsd::db {

struct migration {
  int version;
  std::string_view name;
  std::vector<std::string_view> sqlite;
  std::vector<std::string_view> postgresql;  // empty: the SQLite statements serve both
};

std::span<migration const> migrations();

// Brings the schema to the newest version; returns that version.
int migrate(soci::session& sql, backend kind);

// The version currently recorded (0 for an empty database).
int schema_version(soci::session& sql);

}  // namespace wsd::db
