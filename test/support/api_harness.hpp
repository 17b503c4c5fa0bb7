// The API without a socket or a process: the real dispatcher, routes,
// handlers, cache and repositories over a real SQLite file in a temporary
// directory, driven on the calling thread. For handler tests; what only the
// HTTP layer does (parsing, limits, keep-alive) stays with the process tests.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "wsd/auth/role.hpp"
#include "wsd/config/config.hpp"
#include "wsd/http/message.hpp"

namespace wsd::test {

struct api_request {
  http::method verb = http::method::get;
  std::string target{};
  std::string body{};
  std::string token{};  // bearer token; empty: none
  std::string content_type = "application/json";
  std::string if_match{};
  std::string if_none_match{};
  std::string idempotency_key{};
};

struct api_response {
  unsigned status = 0;
  std::string body{};
  std::vector<std::pair<std::string, std::string>> headers;

  std::string header(std::string_view name) const;
  boost::json::value json() const;
  // The SPEC error code of an error body ("not_found"), empty otherwise.
  std::string error_code() const;
};

class api_harness {
 public:
  // `settings` as the server would read them; db.url is replaced by a
  // temporary SQLite file.
  explicit api_harness(config::settings settings = {});
  ~api_harness();
  api_harness(api_harness const&) = delete;
  api_harness& operator=(api_harness const&) = delete;

  api_response call(api_request const& r);
  api_response get(std::string target, std::string const& token = {});

  // A token for `user` with `role`, as a login would issue it.
  std::string token(std::string_view user, auth::role role) const;
  std::string admin() const { return token("admin", auth::role::admin); }
  std::string operator_() const { return token("ops", auth::role::operator_); }
  std::string viewer() const { return token("viewer", auth::role::viewer); }

  // Queries the database answered so far (cache hits add none).
  std::uint64_t queries() const;

 private:
  struct parts;
  std::unique_ptr<parts> parts_;
};

}  // namespace wsd::test
