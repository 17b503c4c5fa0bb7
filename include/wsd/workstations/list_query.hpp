// The query of GET /api/workstations and its normal form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "wsd/core/error.hpp"
#include "wsd/workstations/workstation.hpp"

namespace wsd::workstations {

inline constexpr unsigned default_list_limit = 100;
inline constexpr unsigned max_list_limit = 1000;
inline constexpr std::uint64_t max_list_offset = std::uint64_t{1} << 53;

struct list_query {
  std::optional<status> state;
  std::optional<std::string> tag;
  unsigned limit = default_list_limit;
  std::uint64_t offset = 0;

  // "limit=100&offset=0&status=online&tag=gpu": sorted names, defaults
  // written out, absent filters left out and the tag percent-encoded, so
  // equivalent queries have one normal form (the list's cache key).
  std::string normalized() const;
  bool operator==(list_query const&) const = default;
};

// Parses a raw query string (after '?', percent-encoded, '+' is a space).
// Known parameters: status, tag (1-64 characters), limit (1-1000), offset
// (0..2^53). Unknown ones are ignored; a repeated known one, a bad value or bad
// percent-encoding is one field_error per parameter. Parameter names may be
// percent-encoded too.
boost::system::result<list_query, std::vector<core::field_error>> parse_list_query(
    std::string_view raw_query);

}  // namespace wsd::workstations
