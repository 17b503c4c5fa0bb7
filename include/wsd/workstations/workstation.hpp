// The workstation resource: its fields, the validation of what clients send
// (POST bodies and merge-patches) and the JSON the API returns. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include "wsd/core/error.hpp"

namespace wsd::workstations {

enum class status : std::uint8_t { online, offline, maintenance, error };

std::string_view to_string(status s) noexcept;
std::optional<status> parse_status(std::string_view text) noexcept;

struct workstation {
  std::int64_t id = 0;
  std::string name;
  std::string host;
  std::uint16_t port = 0;
  status state = status::offline;
  std::string description;
  std::vector<std::string> tags;
  std::int64_t version = 1;
  std::string created_at;  // RFC 3339 UTC
  std::string updated_at;  // RFC 3339 UTC
  bool operator==(workstation const&) const = default;
};

struct new_workstation {
  std::string name;
  std::string host;
  std::uint16_t port = 0;
  status state = status::offline;
  std::string description;
  std::vector<std::string> tags;
  bool operator==(new_workstation const&) const = default;
};

// A validated merge-patch: a field that is set replaces the stored one.
struct workstation_patch {
  std::optional<std::string> name;
  std::optional<std::string> host;
  std::optional<std::uint16_t> port;
  std::optional<status> state;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> tags;
  bool empty() const noexcept;
  bool operator==(workstation_patch const&) const = default;
};

inline constexpr std::size_t max_name_length = 64;
inline constexpr std::size_t max_host_length = 253;
inline constexpr std::size_t max_description_bytes = 1024;
inline constexpr std::size_t max_tags = 32;
inline constexpr std::size_t max_tag_length = 64;  // code points

// 1-64 of [A-Za-z0-9._-].
bool is_valid_name(std::string_view name) noexcept;
// An RFC 1123 host name (no trailing dot, last label not all digits) or an
// IPv4 or IPv6 literal (without brackets).
bool is_valid_host(std::string_view host) noexcept;
// Valid UTF-8 of 1-64 code points.
bool is_valid_tag(std::string_view tag) noexcept;

// Validate a POST body. Every invalid field gets one field_error; `ip_address`
// is an alias of `host`; id, version, created_at, updated_at are ignored.
boost::system::result<new_workstation, std::vector<core::field_error>> validate_new(
    boost::json::object const& body);
// Validate a merge-patch body (RFC 7396): absent fields stay, null resets
// description and tags, null for any other field is an error.
boost::system::result<workstation_patch, std::vector<core::field_error>> validate_patch(
    boost::json::object const& body);

// Copies the patch's fields into `w`. Version and timestamps are the
// repository's to change.
void apply(workstation& w, workstation_patch const& p);

// Appends compact JSON in the SPEC's field order.
void serialize(workstation const& w, std::string& out);
std::string to_json(workstation const& w);
// {"items":[...],"total":N,"limit":L,"offset":O}
std::string list_to_json(std::span<workstation const> items, std::int64_t total, unsigned limit,
                         std::uint64_t offset);

// A path id: decimal digits only, 1..INT64_MAX (leading zeros allowed);
// anything else is nullopt: no such workstation.
std::optional<std::int64_t> parse_id(std::string_view text) noexcept;

}  // namespace wsd::workstations
