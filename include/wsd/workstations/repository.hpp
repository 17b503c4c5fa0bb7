// What the HTTP handlers know of workstation storage: create, get, list,
// patch and delete, as coroutines that run the SQL on the blocking pool.
// No SQL leaves this component; only bound parameters enter it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "wsd/core/error.hpp"
#include "wsd/idempotency/store.hpp"
#include "wsd/util/clock.hpp"
#include "wsd/workstations/list_query.hpp"
#include "wsd/workstations/workstation.hpp"

namespace wsd::db {
class database;
}

namespace wsd::workstations {

struct page {
  std::vector<workstation> items;
  std::int64_t total = 0;
};

// Checked against the stored workstation inside the write transaction
// (If-Match); false fails the write with precondition_failed, changing nothing.
using precondition = std::function<bool(workstation const&)>;

// What a write did. With an Idempotency-Key already used for the same
// request, nothing was applied and `replayed` holds the stored answer.
template <class T>
struct write_result {
  T value{};
  std::optional<idempotency::answer> replayed;
};
struct nothing {};

// A write's Idempotency-Key and the answer to store with it, which the
// caller builds from what was written (null: the workstation was deleted),
// so that how a write is answered stays the caller's business.
struct idempotent {
  idempotency::request request;
  std::function<idempotency::answer(workstation const*)> answer;
};
using key = std::optional<idempotent>;

class repository {
 public:
  explicit repository(db::database& db, util::clock const& clock = util::clock::system());

  // conflict when the name is taken (the UNIQUE constraint decides). Writes
  // take an optional Idempotency-Key: conflict while an attempt with it
  // still runs here, validation_failed when it was used for another request.
  boost::asio::awaitable<core::result<write_result<workstation>>> create(new_workstation w,
                                                                         key idem = {});
  // not_found when absent.
  boost::asio::awaitable<core::result<workstation>> get(std::int64_t id);
  boost::asio::awaitable<core::result<page>> list(list_query q);
  // Merge-patch; version + 1 when something changed. not_found, conflict,
  // precondition_failed.
  boost::asio::awaitable<core::result<write_result<workstation>>> patch(std::int64_t id,
                                                                        workstation_patch p,
                                                                        precondition check = {},
                                                                        key idem = {});
  // not_found when absent.
  boost::asio::awaitable<core::result<write_result<nothing>>> remove(std::int64_t id,
                                                                     key idem = {});
  // Called on a pool thread after every committed write with the
  // workstation's id, including writes whose caller gave up waiting (a timeout
  // that committed late): the cache must forget them too.
  void on_committed(std::function<void(std::int64_t)> callback) {
    committed_ = std::move(callback);
  }

  // Forgets Idempotency-Keys older than 24 h; how many.
  boost::asio::awaitable<core::result<std::size_t>> sweep_keys();

 private:
  // Jobs on the blocking pool hold what they need by value or shared
  // pointer, never `this`: a job whose caller gave up may outlive the
  // repository (but never the database, which joins its pool).
  db::database& db_;
  util::clock const& clock_;
  std::shared_ptr<idempotency::in_flight> running_;
  std::function<void(std::int64_t)> committed_;
};

}  // namespace wsd::workstations
