// Matches a method and path against route templates such as
// "/api/workstations/{id}". Pure: no I/O, no knowledge of handlers; it
// answers with the index of the route so the caller keeps its own table.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "wsd/http/error.hpp"
#include "wsd/http/message.hpp"

namespace wsd::http {

// Values of the {name} segments of the matched template, in order.
class path_params {
 public:
  static constexpr std::size_t capacity = 4;
  void push(std::string_view v) noexcept {
    if (size_ < capacity) values_[size_++] = v;
  }
  std::string_view operator[](std::size_t i) const noexcept { return i < size_ ? values_[i] : ""; }
  std::size_t size() const noexcept { return size_; }

 private:
  std::array<std::string_view, capacity> values_{};
  std::size_t size_ = 0;
};

struct route_match {
  std::size_t index = 0;  // position of the route in the order it was added
  path_params params;
};

class router {
 public:
  // Adds a route; `pattern` segments are literals or "{name}".
  void add(method verb, std::string_view pattern);

  // The matching route; 404 for an unknown path, 405 (with Allow) for a
  // known path without that method. HEAD matches GET routes.
  core::result<route_match> find(method verb, std::string_view path) const;

 private:
  struct segment {
    std::string text;
    bool is_param = false;
  };
  struct route {
    method verb;
    std::vector<segment> segments;
  };
  static constexpr std::size_t max_segments = 8;
  struct split_path {
    std::array<std::string_view, max_segments> segments;
    std::size_t size = 0;
  };
  // The path's segments, once per request; nullopt when it has too many to
  // match any route or does not start with '/'.
  static std::optional<split_path> split(std::string_view path) noexcept;
  static bool match(route const& r, split_path const& path) noexcept;

  std::vector<route> routes_;
};

}  // namespace wsd::http
