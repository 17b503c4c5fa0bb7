// The bodies /openapi.json describes: components.schemas, written by hand.
#pragma once

#include <string_view>

#include <boost/json/object.hpp>

namespace wsd::api::openapi {

// {"$ref": "#/components/<kind>/<name>"}
boost::json::object ref(std::string_view kind, std::string_view name);
boost::json::object schema_ref(std::string_view name);

// components.schemas: every request and response body, and the Error shape.
boost::json::object schemas();

}  // namespace wsd::api::openapi
