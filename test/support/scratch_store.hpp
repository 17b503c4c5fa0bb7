// A test case's own database on either backend wsd supports, and the loop
// that runs a test body once on each, so every database test covers SQLite
// and PostgreSQL alike. The PostgreSQL one comes from the test cluster
// (pg_database) and throws when that is missing: those cases fail, never skip.
#pragma once

#include <optional>
#include <string>

#include <doctest/doctest.h>
#include <soci/session.h>

#include "support/postgres.hpp"
#include "support/process.hpp"

namespace wsd::test {

// Where a test case's database lives: a temporary SQLite file or a scratch
// PostgreSQL database, removed with the object.
class scratch_store {
 public:
  static scratch_store sqlite();
  static scratch_store postgresql();
  scratch_store(scratch_store const&) = delete;
  scratch_store& operator=(scratch_store const&) = delete;

  // The SOCI URL, as wsd's --db takes it.
  std::string const& url() const noexcept { return url_; }
  bool is_pg() const noexcept { return pg_.has_value(); }
  // A session of the test's own on the same database, beside the pool.
  soci::session open_session() const;

 private:
  explicit scratch_store(bool pg);

  std::optional<temp_directory> dir_;
  std::optional<pg_database> pg_;
  std::string url_;
};

// Runs body(store) once per backend, each as its own subcase with a fresh,
// empty store.
template <class Body>
void on_each_backend(Body body) {
  SUBCASE("SQLite") {
    auto const store = scratch_store::sqlite();
    body(store);
  }
  SUBCASE("PostgreSQL") {
    auto const store = scratch_store::postgresql();
    body(store);
  }
}

}  // namespace wsd::test
