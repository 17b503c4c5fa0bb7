#include "wsd/api/representation.hpp"

#include "wsd/http/etag.hpp"
#include "wsd/util/json.hpp"

namespace wsd::api {

core::result<boost::json::object> json_body(http::request const& req, bool empty_is_object) {
  if (req.body.empty()) {
    if (empty_is_object) return boost::json::object{};
    return core::bad_request("a JSON object body is required");
  }
  if (!http::is_json_content_type(req.content_type))
    return core::unsupported_media_type("the body must be JSON (Content-Type: application/json)");
  return util::parse_json_object(req.body);
}

http::response entity(unsigned status, http::body_ptr body, std::string etag,
                      std::string_view if_none_match, std::string_view x_cache) {
  http::response res;
  if (!if_none_match.empty() && http::none_match(if_none_match, etag)) {
    res = http::empty_response(304);
  } else {
    res.status = status;
    res.body = std::move(body);
  }
  res.set("ETag", std::move(etag));
  if (!x_cache.empty()) res.set("X-Cache", std::string(x_cache));
  return res;
}

}  // namespace wsd::api
