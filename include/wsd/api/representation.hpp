// How resources enter and leave the API: JSON request bodies (415/400
// checks) and JSON entities with ETag, conditional GET (304) and X-Cache.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include "wsd/http/error.hpp"
#include "wsd/http/message.hpp"

namespace wsd::api {

// The request body as a JSON object: 415 when a body comes without a JSON
// content type, 400 when it is not a JSON object. An absent body is `{}`
// only when `empty_is_object` (for bodies that are optional).
core::result<boost::json::object> json_body(http::request const& req, bool empty_is_object);

// 200/201 with the body and its ETag, or 304 when If-None-Match matches.
// `x_cache` is HIT, MISS or STALE (empty: no header).
http::response entity(unsigned status, http::body_ptr body, std::string etag,
                      std::string_view if_none_match, std::string_view x_cache);

}  // namespace wsd::api
