// The API's self-description: GET /openapi.json (OpenAPI 3.0.3) and GET /docs
// (a Swagger UI page for it). Both bodies are built once and shared by every
// request.
#pragma once

#include <string_view>

#include "wsd/api/context.hpp"

namespace wsd::api::openapi {

// The OpenAPI 3.0.3 document of every endpoint, serialized.
std::string_view document_text();
// The Swagger UI page; it loads swagger-ui-dist from a CDN and reads /openapi.json.
std::string_view docs_html();

// The responses the handlers send, each sharing its prebuilt body.
http::response document_response();
http::response docs_response();

// GET /openapi.json
boost::asio::awaitable<reply> document(context& ctx);
// GET /docs
boost::asio::awaitable<reply> docs(context& ctx);

}  // namespace wsd::api::openapi
