#include "wsd/db/blocking_pool.hpp"

namespace wsd::db {

namespace {
thread_local bool is_pool_thread = false;
}

blocking_pool::blocking_pool(unsigned threads) : pool_(threads) {}

blocking_pool::pool_thread_scope::pool_thread_scope() noexcept {
  is_pool_thread = true;
}
blocking_pool::pool_thread_scope::~pool_thread_scope() {
  is_pool_thread = false;
}

blocking_pool::~blocking_pool() {
  stop();
}

bool blocking_pool::on_pool_thread() noexcept {
  return is_pool_thread;
}

void blocking_pool::stop() {
  pool_.stop();
  pool_.join();
}

}  // namespace wsd::db
