#include "wsd/db/guarded_call.hpp"

#include <string>

#include "wsd/log/logger.hpp"

namespace wsd::db::detail {

call_state*& current_call() noexcept {
  thread_local call_state* current = nullptr;
  return current;
}

core::error job_failed(std::exception const& e) {
  log::error(std::string("database job failed: ") + e.what());
  return core::internal("internal error");
}

}  // namespace wsd::db::detail
