// The hand-written half of each operation of /openapi.json, keyed by the
// (method, pattern) of its route: summary, words, parameters, body and
// responses, and the components they point at. Which paths and methods exist,
// their path parameters and their security come from the route table
// (openapi.cpp).
#pragma once

#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "wsd/http/message.hpp"

namespace wsd::api::openapi {

// One operation of `paths`, built step by step.
class operation {
 public:
  // A parameter from components.parameters.
  operation& param(std::string_view component);
  operation& body(boost::json::object media, bool required, std::string_view description);
  // A later answer for the same status ("200", "4XX") replaces the earlier one.
  operation& respond(std::string_view status, boost::json::object answer);
  // An error status with its shared description, or with one for this operation.
  operation& error(std::string_view status, std::string_view description = {});
  operation& errors(std::initializer_list<std::string_view> statuses);

  // operationId, summary, security...: set by the caller.
  boost::json::object& fields() noexcept { return op_; }
  boost::json::object take() &&;

 private:
  boost::json::object op_;
  boost::json::array params_;
  std::map<std::string, boost::json::object> responses_;  // in status order
};

// What is written by hand for the route (verb, pattern).
struct description {
  http::method verb;
  std::string_view pattern;
  std::string_view id;
  std::string_view tag;
  std::string_view summary;
  std::string_view text;
  bool uses_database;  // so it may answer 503 (breaker open, no connection) and 504
  void (*detail)(operation&);
};

std::span<description const> descriptions();

// The path parameter a "{name}" segment stands for, or nullptr when none is
// written for that name.
boost::json::object const* path_parameter(std::string_view name);

// What the operations point at: components.parameters, .headers and .responses.
boost::json::object parameters();
boost::json::object headers();
boost::json::object responses();

}  // namespace wsd::api::openapi
