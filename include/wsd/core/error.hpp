// The one error vocabulary of the server, below every transport: what went
// wrong (a code), a message for people, field details for validation, and
// when a retry may help. The database, the cache, the repositories and the
// handlers speak it; only the HTTP edge (http/error.hpp) turns it into a
// status, headers and the SPEC's JSON error body.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

namespace wsd::core {

enum class errc : std::uint8_t {
  bad_request,             // malformed input (not JSON, not an object, bad syntax)
  unauthorized,            // no or invalid credentials
  forbidden,               // credentials without the needed role
  not_found,               // no such resource or route
  method_not_allowed,      // the resource exists, the method does not
  conflict,                // clashes with the current state (duplicate, in progress)
  gone,                    // existed once, no longer available (expired history)
  precondition_failed,     // If-Match and the like did not hold
  payload_too_large,       // body over the configured limit
  unsupported_media_type,  // body in a format the endpoint does not take
  validation_failed,       // well-formed but a field is invalid: see details
  too_many_requests,       // throttled: see retry_after
  headers_too_large,       // header section over the configured limit
  internal,                // a bug or an unexpected failure
  unavailable,             // nothing was applied; retry later (see retry_after)
  timeout,                 // no answer in time; a write may still have happened
};

// The SPEC's name of a code ("not_found", "service_unavailable"...).
std::string_view to_string(errc code) noexcept;

struct field_error {
  std::string field;
  std::string message;
  bool operator==(field_error const&) const = default;
};

struct error {
  // Not an aggregate on purpose: result<int, error> must not take an int for
  // an error.
  error() = default;
  error(errc c, std::string m) : code(c), message(std::move(m)) {}

  errc code = errc::internal;
  std::string message;
  std::vector<field_error> details;                 // validation_failed
  std::optional<std::chrono::seconds> retry_after;  // unavailable, too_many_requests
  std::string allow;                                // method_not_allowed: "GET, HEAD"
  // unavailable for want of capacity (no free pooled connection in time):
  // answered like any unavailable, but no failure of the dependency, so the
  // circuit breaker does not count it.
  bool overload = false;

  // A failure of a dependency (the database) rather than of the request:
  // what the circuit breaker counts and what lets the cache serve STALE.
  bool is_outage() const noexcept { return code == errc::unavailable || code == errc::timeout; }
};

[[noreturn]] void throw_exception_from_error(error const& e, boost::source_location const& loc);

template <class T>
using result = boost::system::result<T, error>;

error bad_request(std::string message);
error unauthorized(std::string message);
error forbidden(std::string message);
error not_found(std::string message);
error method_not_allowed(std::string allow);
error conflict(std::string message);
error gone(std::string message);
error precondition_failed(std::string message);
error payload_too_large(std::string message);
error unsupported_media_type(std::string message);
error validation_failed(std::vector<field_error> details);
error too_many_requests(std::string message, std::chrono::seconds retry_after);
error headers_too_large(std::string message);
error internal(std::string message);
error unavailable(std::string message, std::chrono::seconds retry_after);
error timeout(std::string message);

}  // namespace wsd::core
