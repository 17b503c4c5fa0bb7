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

bool router::match(route const& r, std::string_view path, path_params& params) noexcept {
  if (path.empty() || path.front() != '/') return false;
  std::size_t pos = 1;
  for (auto const& seg : r.segments) {
    if (pos > path.size()) return false;
    auto const end = std::min(path.find('/', pos), path.size());
    auto const text = path.substr(pos, end - pos);
    if (seg.is_param) {
      if (text.empty()) return false;
      params.push(text);
    } else if (text != seg.text) {
      return false;
    }
    pos = end + 1;
  }
  return pos == path.size() + 1;
}

boost::system::result<route_match, api_error> router::find(method verb,
                                                           std::string_view path) const {
  auto const wanted = verb == method::head ? method::get : verb;
  std::string allow;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    path_params params;
    if (!match(routes_[i], path, params)) continue;
    if (routes_[i].verb == wanted) return route_match{i, params};
    auto const name = to_string(routes_[i].verb);
    if (allow.find(name) == std::string::npos) {
      if (!allow.empty()) allow += ", ";
      allow += name;
      if (routes_[i].verb == method::get) allow += ", HEAD";
    }
  }
  if (allow.empty()) return not_found("no route for " + std::string(path));
  return method_not_allowed(std::move(allow));
}

}  // namespace wsd::http
