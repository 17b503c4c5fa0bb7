#include "wsd/http/error.hpp"

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace wsd::http {

unsigned status_of(core::errc code) noexcept {
  using core::errc;
  switch (code) {
    case errc::bad_request:
      return 400;
    case errc::unauthorized:
      return 401;
    case errc::forbidden:
      return 403;
    case errc::not_found:
      return 404;
    case errc::method_not_allowed:
      return 405;
    case errc::conflict:
      return 409;
    case errc::gone:
      return 410;
    case errc::precondition_failed:
      return 412;
    case errc::payload_too_large:
      return 413;
    case errc::unsupported_media_type:
      return 415;
    case errc::validation_failed:
      return 422;
    case errc::too_many_requests:
      return 429;
    case errc::headers_too_large:
      return 431;
    case errc::internal:
      return 500;
    case errc::unavailable:
      return 503;
    case errc::timeout:
      return 504;
  }
  return 500;
}

std::string_view error_code(unsigned status) noexcept {
  for (auto c = 0; c <= static_cast<int>(core::errc::timeout); ++c) {
    auto const code = static_cast<core::errc>(c);
    if (status_of(code) == status) return core::to_string(code);
  }
  return core::to_string(core::errc::internal);
}

std::string to_json(core::error const& error) {
  boost::json::array details;
  for (auto const& d : error.details)
    details.push_back(boost::json::object{{"field", d.field}, {"message", d.message}});
  boost::json::object inner{{"code", core::to_string(error.code)},
                            {"message", error.message},
                            {"details", std::move(details)}};
  return boost::json::serialize(boost::json::object{{"error", std::move(inner)}});
}

response to_response(core::error const& error) {
  auto res = json_response(status_of(error.code), to_json(error));
  if (error.code == core::errc::unauthorized) res.set("WWW-Authenticate", "Bearer realm=\"wsd\"");
  if (error.code == core::errc::method_not_allowed) res.set("Allow", error.allow);
  if (error.retry_after) {
    // Retry-After is whole seconds; never 0, which would invite a stampede.
    res.set("Retry-After", std::to_string(std::max<std::int64_t>(1, error.retry_after->count())));
  } else if (error.code == core::errc::unavailable || error.code == core::errc::too_many_requests) {
    res.set("Retry-After", "1");
  }
  return res;
}

}  // namespace wsd::http
