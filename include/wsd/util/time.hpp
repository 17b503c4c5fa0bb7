// RFC 3339 timestamps as the API shows them: UTC, whole seconds, "Z".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace wsd::util {

// "2026-11-24T04:30:00Z": UTC, truncated to whole seconds.
std::string format_rfc3339(std::chrono::system_clock::time_point t);

// Accepts what format_rfc3339 writes and the rest of RFC 3339: 'T', 't' or ' '
// between date and time, an optional fraction, and 'Z', 'z' or a +HH:MM/-HH:MM
// offset. Leap seconds (:60) and out-of-range fields are rejected.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace wsd::util
