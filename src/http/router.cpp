#include "wsd/http/router.hpp"

#include <algorithm>

namespace wsd::http {

void router::add(method verb, std::string_view pattern) {
  route r{verb, {}};
  std::size_t pos = 1;  // patterns start with '/'
  while (pos <= pattern.size()) {
    auto const end = std::min(pattern.find('/', pos), pattern.size());
    auto const text = pattern.substr(pos, end - pos);
    bool const is_param = text.size() > 2 && text.front() == '{' && text.back() == '}';
    r.segments.push_back({std::string(text), is_param});
    pos = end + 1;
  }
  routes_.push_back(std::move(r));
}

std::optional<router::split_path> router::split(std::string_view path) noexcept {
  if (path.empty() || path.front() != '/') return std::nullopt;
  split_path out;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    if (out.size == max_segments) return std::nullopt;
    auto const end = std::min(path.find('/', pos), path.size());
    out.segments[out.size++] = path.substr(pos, end - pos);
    pos = end + 1;
  }
  return out;
}

bool router::match(route const& r, split_path const& path) noexcept {
  if (r.segments.size() != path.size) return false;
  for (std::size_t i = 0; i < path.size; ++i) {
    auto const& seg = r.segments[i];
    if (seg.is_param ? path.segments[i].empty() : path.segments[i] != seg.text) return false;
  }
  return true;
}

core::result<route_match> router::find(method verb, std::string_view path) const {
  auto const wanted = verb == method::head ? method::get : verb;
  auto const parts = split(path);
  std::string allow;
  for (std::size_t i = 0; parts && i < routes_.size(); ++i) {
    if (!match(routes_[i], *parts)) continue;
    if (routes_[i].verb == wanted) {
      route_match found{i, {}};
      for (std::size_t s = 0; s < parts->size; ++s)
        if (routes_[i].segments[s].is_param) found.params.push(parts->segments[s]);
      return found;
    }
    auto const name = to_string(routes_[i].verb);
    if (allow.find(name) == std::string::npos) {
      if (!allow.empty()) allow += ", ";
      allow += name;
      if (routes_[i].verb == method::get) allow += ", HEAD";
    }
  }
  if (allow.empty()) return core::not_found("no route for " + std::string(path));
  return core::method_not_allowed(std::move(allow));
}

}  // namespace wsd::http
