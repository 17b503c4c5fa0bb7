// The API's self-description: GET /openapi.json (OpenAPI 3.0.3); the
// Swagger UI page that renders it is one of the assets (assets.hpp). Paths, methods, path
// parameters and security come from the route table; summaries, bodies and responses are written by
// hand for each (method, pattern), and a route without them, or them without
// a route, is an error. The body is built once and shared by every request.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include "wsd/api/context.hpp"
#include "wsd/api/routes.hpp"

namespace wsd::api::openapi {

// What the document depends on besides the routes.
struct document_options {
  bool metrics_public = false;  // metrics.public: GET /metrics needs no token
};

// The document of `table`, or a message naming every route without a
// hand-written description and every description without a route.
boost::system::result<boost::json::object, std::string> build_document(
    std::span<route const> table, document_options options = {});

// The document of routes(), serialized; throws std::logic_error with
// build_document's message if the table and the descriptions disagree.
std::string_view document_text(document_options options = {});

// The responses the handlers send, each sharing its prebuilt body.
http::response document_response(document_options options = {});

// GET /openapi.json
boost::asio::awaitable<reply> document(context& ctx);

}  // namespace wsd::api::openapi
