#include "support/scratch_store.hpp"

#include <string_view>

#include <soci/sqlite3/soci-sqlite3.h>

namespace wsd::test {
namespace {

constexpr std::string_view sqlite_prefix = "sqlite3://";

}  // namespace

scratch_store scratch_store::sqlite() {
  return scratch_store(false);
}

scratch_store scratch_store::postgresql() {
  return scratch_store(true);
}

scratch_store::scratch_store(bool pg) {
  if (pg) {
    pg_.emplace(pg_cluster::from_env());
    url_ = pg_->url();
  } else {
    dir_.emplace("wsd-store-");
    url_ = std::string(sqlite_prefix) + "db=" + dir_->path() + "/wsd.db";
  }
}

soci::session scratch_store::open_session() const {
  if (pg_) return pg_->open_session();
  return soci::session(*soci::factory_sqlite3(), url_.substr(sqlite_prefix.size()));
}

}  // namespace wsd::test
