#include "wsd/api/openapi.hpp"

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "wsd/api/openapi_operations.hpp"
#include "wsd/api/openapi_schemas.hpp"

namespace wsd::api::openapi {

namespace json = boost::json;
using http::method;

namespace {

std::string_view verb_name(method m) noexcept {
  switch (m) {
    case method::get:
      return "get";
    case method::head:
      return "head";
    case method::post:
      return "post";
    case method::put:
      return "put";
    case method::patch:
      return "patch";
    case method::del:
      return "delete";
    case method::options:
      return "options";
    case method::other:
      break;
  }
  return {};
}

// Whether the dispatcher asks this route for a token.
bool is_protected(access needs, document_options options) noexcept {
  return needs != access::anyone && !(needs == access::metrics && options.metrics_public);
}

std::string_view role_text(access needs, document_options options) noexcept {
  switch (needs) {
    case access::anyone:
      return "Public: no token needed.";
    case access::viewer:
      return "Role: viewer (any valid token).";
    case access::operator_:
      return "Role: operator (or admin).";
    case access::admin:
      return "Role: admin.";
    case access::metrics:
      return options.metrics_public ? "Public: metrics.public is true."
                                    : "Role: admin (public when metrics.public is true).";
  }
  return {};
}

json::object build_operation(route const& r, description const& d, document_options options) {
  operation op;
  auto& fields = op.fields();
  fields["operationId"] = d.id;
  fields["tags"] = json::array{d.tag};
  fields["summary"] = d.summary;
  std::string text(role_text(r.needs, options));
  if (!d.text.empty()) text.append(" ").append(d.text);
  fields["description"] = std::move(text);

  // Authentication and role failures come from the dispatcher, before the handler.
  json::array security;
  if (is_protected(r.needs, options)) {
    security.push_back(json::object{{"bearerAuth", json::array()}});
    op.error("401");
    // Every valid token is at least a viewer's: only higher roles can be refused.
    if (r.needs != access::viewer) op.error("403");
  }
  fields["security"] = std::move(security);

  op.errors({"4XX", "500"});
  if (d.uses_database) op.errors({"503", "504"});
  d.detail(op);
  return std::move(op).take();
}

// A new path item with the path parameters its "{name}" segments declare.
json::object path_item(std::string_view pattern, std::vector<std::string>& problems) {
  json::array params;
  for (auto open = pattern.find('{'); open != std::string_view::npos;
       open = pattern.find('{', open + 1)) {
    auto const close = pattern.find('}', open);
    auto const name = pattern.substr(open + 1, close - open - 1);
    if (auto const* p = path_parameter(name))
      params.push_back(*p);
    else
      problems.push_back("no path parameter is written for {" + std::string(name) + "} of " +
                         std::string(pattern));
  }
  json::object item;
  if (!params.empty()) item["parameters"] = std::move(params);
  return item;
}

std::string route_name(method verb, std::string_view pattern) {
  return std::string(http::to_string(verb)) + " " + std::string(pattern);
}

json::array tags() {
  json::array out;
  for (auto const& [name, text] : std::initializer_list<std::pair<char const*, char const*>>{
           {"health", "Liveness and readiness probes."},
           {"docs", "This description and the pages served to browsers."},
           {"auth", "Tokens."},
           {"users", "User accounts."},
           {"workstations", "The inventory."},
           {"performance", "Cache, metrics and circuit breaker administration."},
           {"metrics", "Prometheus scraping."}})
    out.push_back(json::object{{"name", name}, {"description", text}});
  return out;
}

json::object components() {
  json::object c;
  c["securitySchemes"] = {{"bearerAuth",
                           {{"type", "http"},
                            {"scheme", "bearer"},
                            {"bearerFormat", "JWT"},
                            {"description", "A token from POST /api/auth/login."}}}};
  c["schemas"] = schemas();
  c["parameters"] = parameters();
  c["headers"] = headers();
  c["responses"] = responses();
  return c;
}

json::object info() {
  return {
      {"title", "wsd"},
      {"version", WSD_VERSION},
      {"description", "Workstation inventory. Bodies are JSON; every error has the Error shape."},
      {"contact", {{"name", "The wsd authors"}}},
      {"license", {{"name", "MIT"}, {"url", "https://opensource.org/licenses/MIT"}}}};
}

}  // namespace

boost::system::result<json::object, std::string> build_document(std::span<route const> table,
                                                                document_options options) {
  auto const written = descriptions();
  std::vector<bool> used(written.size(), false);
  std::vector<std::string> problems;
  json::object paths;
  for (auto const& r : table) {
    auto const d = std::find_if(written.begin(), written.end(), [&r](auto const& x) {
      return x.verb == r.verb && x.pattern == r.pattern;
    });
    auto const verb = verb_name(r.verb);
    if (d == written.end() || verb.empty()) {
      problems.push_back("no description for the route " + route_name(r.verb, r.pattern));
      continue;
    }
    auto const index = static_cast<std::size_t>(d - written.begin());
    if (used[index]) {
      problems.push_back("the route " + route_name(r.verb, r.pattern) + " is listed twice");
      continue;
    }
    used[index] = true;
    auto& item = paths[r.pattern];
    if (!item.is_object()) item = path_item(r.pattern, problems);
    item.as_object()[verb] = build_operation(r, *d, options);
  }
  for (std::size_t i = 0; i < used.size(); ++i)
    if (!used[i])
      problems.push_back("no route for the description of " +
                         route_name(written[i].verb, written[i].pattern));
  if (!problems.empty()) {
    std::string message = problems.front();
    for (std::size_t i = 1; i < problems.size(); ++i) message.append("; ").append(problems[i]);
    return message;
  }

  json::object doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = info();
  doc["servers"] = json::array{json::object{{"url", "/"}, {"description", "This server."}}};
  doc["tags"] = tags();
  doc["paths"] = std::move(paths);
  doc["components"] = components();
  return doc;
}

namespace {

http::body_ptr make_document_body(document_options options) {
  auto doc = build_document(routes(), options);
  if (!doc) throw std::logic_error("/openapi.json: " + doc.error());
  return http::make_body(json::serialize(*doc));
}

http::body_ptr const& document_body(document_options options) {
  static auto const closed = make_document_body({.metrics_public = false});
  static auto const open = make_document_body({.metrics_public = true});
  return options.metrics_public ? open : closed;
}

}  // namespace

std::string_view document_text(document_options options) {
  return *document_body(options);
}

http::response document_response(document_options options) {
  http::response res;
  res.content_type = "application/json";
  res.body = document_body(options);
  return res;
}

boost::asio::awaitable<reply> document(context& ctx) {
  co_return document_response({.metrics_public = ctx.svc.settings.metrics.is_public});
}

}  // namespace wsd::api::openapi
