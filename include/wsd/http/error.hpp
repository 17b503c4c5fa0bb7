// The HTTP edge of core::error and the server's one error writer: the only
// place that maps an error to a status, the headers that status requires
// (Retry-After, WWW-Authenticate, Allow) and the SPEC's JSON body
// {"error":{"code","message","details"}}.
#pragma once

#include <string>

#include "wsd/core/error.hpp"
#include "wsd/http/message.hpp"

namespace wsd::http {

unsigned status_of(core::errc code) noexcept;
// The SPEC's error code answered with `status` ("not_found" for 404);
// "internal" for a status no error maps to.
std::string_view error_code(unsigned status) noexcept;

std::string to_json(core::error const& error);
response to_response(core::error const& error);

}  // namespace wsd::http
