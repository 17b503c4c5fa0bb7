#include "wsd/api/workstation_cache.hpp"

namespace wsd::api {

namespace {
constexpr std::string_view item_prefix = "workstations:item:";
constexpr std::string_view list_prefix = "workstations:list:";
constexpr std::string_view all_lists = "workstations:list:*";
constexpr std::string_view everything = "workstations:*";
}  // namespace

std::string workstation_cache::item_key(std::int64_t id) {
  std::string key(item_prefix);
  key += std::to_string(id);
  return key;
}

std::string workstation_cache::list_key(wsd::workstations::list_query const& q) {
  std::string key(list_prefix);
  key += q.normalized();
  return key;
}

boost::asio::awaitable<cache::get_result> workstation_cache::get(std::string_view key,
                                                                 cache::loader const& load) const {
  if (cache_) co_return co_await cache_->get(key, load);
  auto loaded = co_await load();
  if (!loaded) co_return loaded.error();
  co_return cache::lookup{std::move(*loaded), cache::outcome::miss};
}

void workstation_cache::recharge(std::string_view key, cache::entry_ptr const& entry) const {
  if (cache_) cache_->recharge_detached(std::string(key), entry);
}

void workstation_cache::forget(std::int64_t id) const {
  if (!cache_) return;
  cache_->invalidate_detached(item_key(id));
  cache_->invalidate_matching_detached(std::string(all_lists));
}

void workstation_cache::expire_all() const {
  if (cache_) cache_->expire_matching_detached(std::string(everything));
}

}  // namespace wsd::api
