// The three roles of the API, ordered so that a higher role includes every
// right of the lower ones: viewer < operator < admin.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wsd::auth {

enum class role : std::uint8_t { viewer = 0, operator_ = 1, admin = 2 };

// "viewer", "operator", "admin": the spelling used in tokens and JSON bodies.
std::string_view to_string(role r) noexcept;

// Exact, case-sensitive inverse of to_string.
std::optional<role> parse_role(std::string_view text) noexcept;

constexpr bool allows(role have, role need) noexcept {
  return have >= need;
}

}  // namespace wsd::auth
