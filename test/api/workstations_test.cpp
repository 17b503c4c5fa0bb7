// Black-box tests of /api/workstations: the real wsd binary on an ephemeral
// port, on a temporary SQLite file and on a scratch PostgreSQL database
// (WSD_TEST_PG), checked against SPEC.md and the workstations issue.
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/scratch_store.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <latch>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

namespace {

namespace json = boost::json;
using wsd::test::header_list;
using wsd::test::http_client;
using wsd::test::http_response;
using wsd::test::wsd_server;

constexpr std::string_view collection = "/api/workstations";

// A running wsd (SQLite by default, or the given --db URL) and an admin token.
class api_server {
 public:
  explicit api_server(std::optional<std::string> db_url = std::nullopt)
      : server_(options_for(db_url)),
        token_(wsd::test::login(server_.port(), "admin", wsd::test::test_admin_password)) {}

  std::uint16_t port() const noexcept { return server_.port(); }
  // For failure messages: whether the server still runs, and what it wrote.
  std::string diagnostics() const {
    return std::string(server_.running() ? "server running" : "server exited") +
           "; stderr: " + server_.err() + "; stdout tail: " + tail(server_.out());
  }
  std::string const& token() const noexcept { return token_; }

  // One authenticated request on a fresh connection.
  http_response call(std::string_view method, std::string_view target, std::string_view body = {},
                     header_list headers = {}) const {
    headers.push_back(wsd::test::bearer(token_));
    return wsd::test::request(port(), method, target, body, std::move(headers));
  }

  // POSTs body and requires a 201.
  json::object create(json::object const& body) const {
    auto const response = call("POST", collection, json::serialize(body));
    INFO("POST " << json::serialize(body) << " -> " << response.status << " " << response.body);
    REQUIRE(response.status == 201);
    return response.json().as_object();
  }

 private:
  static wsd_server::options options_for(std::optional<std::string> const& db_url) {
    wsd_server::options options;
    if (db_url) options.args = {"--db", *db_url};
    return options;
  }

  static std::string tail(std::string const& text) {
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  }

  wsd_server server_;
  std::string token_;
};

// Runs body once per backend, each as its own subcase with a fresh server and
// an empty database.
template <class Body>
void on_each_backend(Body body) {
  wsd::test::on_each_backend([&body](wsd::test::scratch_store const& store) {
    api_server const server(store.url());
    body(server);
  });
}

void check_error(http_response const& response, int status, std::string_view code) {
  INFO("response: " << response.status << " " << response.body);
  CHECK(response.status == status);
  CHECK(response.header("Content-Type").starts_with("application/json"));
  CHECK(response.error_code() == code);
}

// The `field` of every details entry of a 422, sorted; each entry must also
// carry a message.
std::vector<std::string> failed_fields(http_response const& response) {
  INFO("response: " << response.status << " " << response.body);
  check_error(response, 422, "validation_failed");
  std::vector<std::string> fields;
  auto const value = response.json();
  auto const* details = value.as_object().at("error").as_object().if_contains("details");
  REQUIRE(details != nullptr);
  REQUIRE(details->is_array());
  for (auto const& entry : details->as_array()) {
    auto const& e = entry.as_object();
    CHECK(!e.at("message").as_string().empty());
    fields.emplace_back(e.at("field").as_string());
  }
  std::sort(fields.begin(), fields.end());
  return fields;
}

using fields = std::vector<std::string>;

std::string item_path(std::int64_t id) {
  return std::string(collection) + "/" + std::to_string(id);
}

std::int64_t id_of(json::object const& w) {
  return w.at("id").as_int64();
}

bool is_rfc3339_utc(json::value const& v) {
  static std::regex const pattern(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)");
  return v.is_string() && std::regex_match(std::string(v.as_string()), pattern);
}

void check_cache_header(http_response const& response) {
  auto const x_cache = response.header("X-Cache");
  CHECK_MESSAGE((x_cache == "HIT" || x_cache == "MISS" || x_cache == "STALE"),
                "X-Cache: '" << x_cache << "'");
}

std::vector<std::int64_t> item_ids(json::object const& envelope) {
  std::vector<std::int64_t> ids;
  for (auto const& w : envelope.at("items").as_array()) ids.push_back(id_of(w.as_object()));
  return ids;
}

// GET on the collection, requiring a 200.
json::object list(api_server const& server, std::string_view query) {
  auto const response = server.call("GET", std::string(collection) + std::string(query));
  INFO("GET ?" << query << " -> " << response.status << " " << response.body);
  REQUIRE(response.status == 200);
  return response.json().as_object();
}

// A JSON object nested `depth` levels deep: the outer object, then arrays.
std::string nested_body(std::size_t depth) {
  return "{\"description\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}

void check_create_read_patch_delete(api_server const& server) {
  json::object const input{{"name", "ws-017"},
                           {"host", "10.0.0.17"},
                           {"port", 5985},
                           {"status", "online"},
                           {"tags", json::array{"gpu", "rack-3"}}};
  auto const created = server.call("POST", collection, json::serialize(input));
  INFO("POST -> " << created.status << " " << created.body);
  REQUIRE(created.status == 201);
  CHECK(created.header("Content-Type").starts_with("application/json"));
  auto const body = created.json().as_object();
  auto const id = id_of(body);
  CHECK(id > 0);
  CHECK(created.header("Location") == item_path(id));
  CHECK(body.at("name") == "ws-017");
  CHECK(body.at("host") == "10.0.0.17");
  CHECK(body.at("port") == 5985);
  CHECK(body.at("status") == "online");
  CHECK(body.at("description") == "");
  CHECK(body.at("tags") == json::array{"gpu", "rack-3"});
  CHECK(body.at("version") == 1);
  CHECK(is_rfc3339_utc(body.at("created_at")));
  CHECK(body.at("updated_at") == body.at("created_at"));
  auto const created_etag = created.header("ETag");
  CHECK(!created_etag.empty());

  // GET the item: the same representation, with ETag and X-Cache.
  auto const fetched = server.call("GET", created.header("Location"));
  REQUIRE(fetched.status == 200);
  CHECK(fetched.json() == created.json());
  CHECK(fetched.header("ETag") == created_etag);
  check_cache_header(fetched);

  auto const not_modified =
      server.call("GET", item_path(id), {}, {{"If-None-Match", created_etag}});
  CHECK(not_modified.status == 304);
  CHECK(not_modified.body.empty());
  CHECK(not_modified.header("ETag") == created_etag);
  CHECK(server.call("GET", item_path(id), {}, {{"If-None-Match", "\"other\""}}).status == 200);

  // The collection, with its own ETag and 304.
  auto const listed = server.call("GET", collection);
  REQUIRE(listed.status == 200);
  auto const envelope = listed.json().as_object();
  CHECK(envelope.at("total") == 1);
  CHECK(envelope.at("limit") == 100);
  CHECK(envelope.at("offset") == 0);
  REQUIRE(envelope.at("items").as_array().size() == 1);
  CHECK(envelope.at("items").as_array()[0] == created.json());
  auto const list_etag = listed.header("ETag");
  CHECK(!list_etag.empty());
  check_cache_header(listed);
  CHECK(server.call("GET", collection, {}, {{"If-None-Match", list_etag}}).status == 304);

  // Merge-patch: absent fields stay, version + 1, a new ETag.
  auto const patched = server.call("PATCH", item_path(id), R"({"description":"moved"})");
  INFO("PATCH -> " << patched.status << " " << patched.body);
  REQUIRE(patched.status == 200);
  auto expected = body;
  expected["description"] = "moved";
  expected["version"] = 2;
  auto const patched_body = patched.json().as_object();
  expected["updated_at"] = patched_body.at("updated_at");
  CHECK(patched_body == expected);
  CHECK(is_rfc3339_utc(patched_body.at("updated_at")));
  CHECK(patched_body.at("updated_at").as_string() >= body.at("created_at").as_string());
  auto const patched_etag = patched.header("ETag");
  CHECK(!patched_etag.empty());
  CHECK(patched_etag != created_etag);

  // Read-your-writes, and the old ETag no longer matches.
  auto const after_patch = server.call("GET", item_path(id), {}, {{"If-None-Match", created_etag}});
  CHECK(after_patch.status == 200);
  CHECK(after_patch.json() == patched.json());
  CHECK(after_patch.header("ETag") == patched_etag);
  CHECK(list(server, "").at("items").as_array()[0] == patched.json());

  // If-Match: stale -> 412 and nothing changes; current -> 200.
  auto const stale =
      server.call("PATCH", item_path(id), R"({"port":22})", {{"If-Match", created_etag}});
  check_error(stale, 412, "precondition_failed");
  CHECK(server.call("GET", item_path(id)).json() == patched.json());
  auto const matching =
      server.call("PATCH", item_path(id), R"({"port":22})", {{"If-Match", patched_etag}});
  INFO("PATCH If-Match -> " << matching.status << " " << matching.body);
  CHECK(matching.status == 200);
  CHECK(matching.json().at("port") == 22);
  CHECK(matching.json().at("version") == 3);
  CHECK(matching.json().at("description") == "moved");

  // DELETE: 204, then 404 everywhere.
  auto const deleted = server.call("DELETE", item_path(id));
  CHECK(deleted.status == 204);
  CHECK(deleted.body.empty());
  check_error(server.call("GET", item_path(id)), 404, "not_found");
  check_error(server.call("DELETE", item_path(id)), 404, "not_found");
  check_error(server.call("PATCH", item_path(id), R"({"port":23})"), 404, "not_found");
  CHECK(list(server, "").at("total") == 0);
}

struct planned_request {
  std::string method;
  std::string target;
  std::string body;
  header_list headers;
};

struct race_outcome {
  std::map<int, int> by_status;
  std::vector<http_response> responses;  // in thread order; status 0 if it failed
  std::vector<std::string> failures;     // transport errors and unexpected statuses
};

// `clients` threads, each with its own connection, send plan_for(i) at the
// same moment (authenticated); statuses outside `expected` are failures.
template <class Plan>
race_outcome race(api_server const& server, int clients, Plan plan_for,
                  std::set<int> const& expected) {
  auto const n = static_cast<std::size_t>(clients);
  race_outcome outcome;
  outcome.responses.resize(n);
  std::vector<std::string> errors(n);
  std::latch start(clients);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      bool arrived = false;
      try {
        auto plan = plan_for(static_cast<int>(i));
        plan.headers.push_back(wsd::test::bearer(server.token()));
        http_client client(server.port());
        arrived = true;
        start.arrive_and_wait();
        outcome.responses[i] = client.request(plan.method, plan.target, plan.body, plan.headers);
      } catch (std::exception const& e) {
        if (!arrived) start.count_down();
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();

  for (std::size_t i = 0; i < n; ++i) {
    auto const& r = outcome.responses[i];
    if (!errors[i].empty()) {
      outcome.failures.push_back(errors[i]);
      continue;
    }
    ++outcome.by_status[r.status];
    if (!expected.contains(r.status))
      outcome.failures.push_back(std::to_string(r.status) + " " + r.body);
  }
  return outcome;
}

template <class Name>
race_outcome race_creates(api_server const& server, int clients, Name name_for) {
  auto const plan_for = [&](int i) {
    auto body =
        json::serialize(json::object{{"name", name_for(i)}, {"host", "10.1.0.1"}, {"port", 22}});
    return planned_request{"POST", std::string(collection), std::move(body), {}};
  };
  return race(server, clients, plan_for, {201, 409});
}

std::string failures_of(race_outcome const& outcome) {
  std::string text;
  for (auto const& f : outcome.failures) text += f + "\n";
  return text;
}

std::set<std::int64_t> created_ids(race_outcome const& outcome) {
  std::set<std::int64_t> ids;
  for (auto const& r : outcome.responses)
    if (r.status == 201) ids.insert(id_of(r.json().as_object()));
  return ids;
}

}  // namespace

TEST_SUITE("workstations api") {
  TEST_CASE("create, read, conditional requests, patch and delete") {
    on_each_backend([](api_server const& server) { check_create_read_patch_delete(server); });
  }

  TEST_CASE("status defaults to offline and ip_address is an alias of host") {
    api_server const server;
    auto const plain = server.create({{"name", "plain"}, {"host", "build-1.lab"}, {"port", 22}});
    CHECK(plain.at("status") == "offline");
    CHECK(plain.at("tags") == json::array{});

    auto const v4 = server.create({{"name", "by-ip"}, {"ip_address", "192.168.1.5"}, {"port", 22}});
    CHECK(v4.at("host") == "192.168.1.5");
    CHECK_FALSE(v4.contains("ip_address"));
    auto const v6 = server.create({{"name", "by-ip6"}, {"ip_address", "fe80::1"}, {"port", 22}});
    CHECK(v6.at("host") == "fe80::1");

    auto const patched =
        server.call("PATCH", item_path(id_of(plain)), R"({"ip_address":"10.9.9.9"})");
    INFO("PATCH ip_address -> " << patched.status << " " << patched.body);
    CHECK(patched.status == 200);
    CHECK(server.call("GET", item_path(id_of(plain))).json().at("host") == "10.9.9.9");
  }

  TEST_CASE("validation: 422 with one details entry per bad field") {
    api_server const server;
    SUBCASE("every field wrong at once") {
      auto const response = server.call(
          "POST", collection,
          R"({"name":"bad name!","host":"-bad-","port":0,"status":"bogus","description":7,"tags":"gpu"})");
      CHECK(failed_fields(response) ==
            fields{"description", "host", "name", "port", "status", "tags"});
    }
    SUBCASE("required fields missing") {
      CHECK(failed_fields(server.call("POST", collection, "{}")) == fields{"host", "name", "port"});
    }
    SUBCASE("out-of-range values") {
      auto const long_name = std::string(65, 'a');
      auto const body = json::serialize(json::object{{"name", long_name},
                                                     {"host", "h.example"},
                                                     {"port", 65536},
                                                     {"description", std::string(1025, 'd')}});
      CHECK(failed_fields(server.call("POST", collection, body)) ==
            fields{"description", "name", "port"});
      json::array tags;
      for (int i = 0; i < 33; ++i) tags.emplace_back("t" + std::to_string(i));
      auto const too_many = json::serialize(
          json::object{{"name", "ok"}, {"host", "h.example"}, {"port", 1}, {"tags", tags}});
      CHECK(failed_fields(server.call("POST", collection, too_many)) == fields{"tags"});
    }
    SUBCASE("a bad patch changes nothing") {
      auto const w = server.create({{"name", "stays"}, {"host", "h.example"}, {"port", 80}});
      auto const response =
          server.call("PATCH", item_path(id_of(w)), R"({"port":70000,"status":"x","name":""})");
      CHECK(failed_fields(response) == fields{"name", "port", "status"});
      CHECK(server.call("GET", item_path(id_of(w))).json() == json::value(w));
    }
    SUBCASE("nothing was created by the rejected posts") {
      server.call("POST", collection, R"({"name":"x y","host":"h","port":1})");
      CHECK(list(server, "").at("total") == 0);
    }
  }

  TEST_CASE("duplicate names are 409") {
    api_server const server;
    auto const first = server.create({{"name", "twin"}, {"host", "h.example"}, {"port", 1}});
    auto const second = server.create({{"name", "other"}, {"host", "h.example"}, {"port", 1}});
    check_error(server.call("POST", collection, R"({"name":"twin","host":"x.example","port":2})"),
                409, "conflict");
    check_error(server.call("PATCH", item_path(id_of(second)), R"({"name":"twin"})"), 409,
                "conflict");
    CHECK(server.call("GET", item_path(id_of(second))).json() == json::value(second));
    CHECK(list(server, "").at("total") == 2);
    CHECK(server.call("PATCH", item_path(id_of(first)), R"({"name":"twin"})").status == 200);
  }

  TEST_CASE("bodies that are not a JSON object") {
    api_server const server;
    auto const target = server.create({{"name", "target"}, {"host", "h.example"}, {"port", 1}});
    auto const item = item_path(id_of(target));

    SUBCASE("malformed JSON is 400") {
      check_error(server.call("POST", collection, R"({"name":)"), 400, "bad_request");
      check_error(server.call("POST", collection, R"({"name":"a",})"), 400, "bad_request");
      check_error(server.call("PATCH", item, "{port: 1}"), 400, "bad_request");
    }
    SUBCASE("a JSON array or scalar is 400") {
      check_error(server.call("POST", collection, R"([{"name":"a","host":"h","port":1}])"), 400,
                  "bad_request");
      check_error(server.call("POST", collection, R"("text")"), 400, "bad_request");
      check_error(server.call("PATCH", item, "[]"), 400, "bad_request");
    }
    SUBCASE("invalid UTF-8 is 400") {
      check_error(
          server.call("POST", collection, "{\"name\":\"ws-\xff\xfe\",\"host\":\"h\",\"port\":1}"),
          400, "bad_request");
      check_error(server.call("PATCH", item, "{\"description\":\"\xc3\x28\"}"), 400, "bad_request");
    }
    SUBCASE("nesting: 64 levels parse, 65 are 400, and the server still serves") {
      CHECK(failed_fields(server.call("POST", collection, nested_body(64))) ==
            fields{"description", "host", "name", "port"});
      check_error(server.call("POST", collection, nested_body(65)), 400, "bad_request");
      check_error(server.call("PATCH", item, nested_body(65)), 400, "bad_request");
      check_error(server.call("POST", collection, nested_body(200000)), 400, "bad_request");
      CHECK(wsd::test::request(server.port(), "GET", "/health").status == 200);
      CHECK(server.call("GET", item).status == 200);
      server.create({{"name", "after-deep"}, {"host", "h.example"}, {"port", 1}});
    }
    SUBCASE("a body without a JSON content type is 415") {
      auto const body = R"({"name":"plain","host":"h.example","port":1})";
      check_error(server.call("POST", collection, body, {{"Content-Type", "text/plain"}}), 415,
                  "unsupported_media_type");
      check_error(server.call("PATCH", item, R"({"port":2})", {{"Content-Type", "text/plain"}}),
                  415, "unsupported_media_type");
      CHECK(list(server, "").at("total") == 1);
    }
    SUBCASE("a body with no content type at all is 415") {
      auto const body = std::string(R"({"name":"untyped","host":"h.example","port":1})");
      http_client client(server.port());
      client.send_raw(
          "POST /api/workstations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
          server.token() + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
          body);
      check_error(client.read_response(), 415, "unsupported_media_type");
    }
    SUBCASE("JSON with parameters in the content type is accepted") {
      auto const response =
          server.call("POST", collection, R"({"name":"typed","host":"h.example","port":1})",
                      {{"Content-Type", "application/json; charset=utf-8"}});
      CHECK(response.status == 201);
    }
    SUBCASE("numbers out of range are 400") {
      check_error(server.call("PATCH", item, R"({"port":1e400})"), 400, "bad_request");
    }
    SUBCASE("a POST with no body is 400, not 415") {
      check_error(server.call("POST", collection), 400, "bad_request");
      check_error(server.call("PATCH", item), 400, "bad_request");
      // As curl -X POST sends it: no Content-Length, no Content-Type.
      http_client client(server.port());
      client.send_raw(
          "POST /api/workstations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
          server.token() + "\r\n\r\n");
      check_error(client.read_response(), 400, "bad_request");
    }
  }

  TEST_CASE("ids that are not integers in range are 404") {
    api_server const server;
    server.create({{"name", "one"}, {"host", "h.example"}, {"port", 1}});
    for (std::string_view id :
         {"abc", "-1", "0", "1.5", "1e3", "99999999999999999999", "9223372036854775808"}) {
      auto const path = std::string(collection) + "/" + std::string(id);
      INFO("id: " << id);
      check_error(server.call("GET", path), 404, "not_found");
      check_error(server.call("PATCH", path, R"({"port":2})"), 404, "not_found");
      check_error(server.call("DELETE", path), 404, "not_found");
    }
    check_error(server.call("GET", item_path(9223372036854775807)), 404, "not_found");
    CHECK(list(server, "").at("total") == 1);
  }

  TEST_CASE("list: envelope, pagination edges, filters and order") {
    on_each_backend([](api_server const& server) {
      std::vector<std::int64_t> ids;
      auto const add = [&](std::string name, std::string status, json::array tags) {
        ids.push_back(id_of(server.create({{"name", std::move(name)},
                                           {"host", "h.example"},
                                           {"port", 1},
                                           {"status", std::move(status)},
                                           {"tags", std::move(tags)}})));
      };
      add("l-1", "online", {"gpu"});
      add("l-2", "offline", {"gpu", "rack-3"});
      add("l-3", "online", {"rack-3"});
      add("l-4", "maintenance", {});
      add("l-5", "online", {"gpu"});
      REQUIRE(std::is_sorted(ids.begin(), ids.end()));

      auto const all = list(server, "");
      CHECK(all.size() == 4);
      CHECK(all.at("total") == 5);
      CHECK(all.at("limit") == 100);
      CHECK(all.at("offset") == 0);
      CHECK(item_ids(all) == ids);
      for (auto const& w : all.at("items").as_array()) {
        CHECK(is_rfc3339_utc(w.at("created_at")));
        CHECK(is_rfc3339_utc(w.at("updated_at")));
      }

      auto const one = list(server, "?limit=1");
      CHECK(one.at("limit") == 1);
      CHECK(one.at("total") == 5);
      CHECK(item_ids(one) == std::vector{ids[0]});
      CHECK(item_ids(list(server, "?limit=1000")) == ids);
      CHECK(list(server, "?limit=1000").at("limit") == 1000);

      auto const page = list(server, "?offset=1&limit=2");
      CHECK(item_ids(page) == std::vector{ids[1], ids[2]});
      CHECK(page.at("offset") == 1);
      CHECK(page.at("limit") == 2);
      CHECK(page.at("total") == 5);

      auto const past = list(server, "?offset=100");
      CHECK(past.at("items").as_array().empty());
      CHECK(past.at("total") == 5);
      CHECK(past.at("offset") == 100);
      CHECK(list(server, "?offset=5").at("items").as_array().empty());

      auto const online = list(server, "?status=online");
      CHECK(online.at("total") == 3);
      CHECK(item_ids(online) == std::vector{ids[0], ids[2], ids[4]});
      auto const gpu = list(server, "?tag=gpu");
      CHECK(gpu.at("total") == 3);
      CHECK(item_ids(gpu) == std::vector{ids[0], ids[1], ids[4]});
      auto const both = list(server, "?tag=gpu&status=online&limit=1&offset=1");
      CHECK(both.at("total") == 2);
      CHECK(item_ids(both) == std::vector{ids[4]});
      CHECK(list(server, "?status=error").at("total") == 0);
      CHECK(list(server, "?tag=none").at("total") == 0);

      for (std::string_view bad : {"?limit=0", "?limit=1001", "?limit=abc", "?limit=-1"}) {
        INFO("query: " << bad);
        CHECK(failed_fields(server.call("GET", std::string(collection) + std::string(bad))) ==
              fields{"limit"});
      }
      CHECK(failed_fields(server.call("GET", std::string(collection) + "?status=bogus")) ==
            fields{"status"});
      CHECK(failed_fields(server.call("GET", std::string(collection) + "?offset=-1")) ==
            fields{"offset"});
      CHECK(failed_fields(server.call("GET", std::string(collection) + "?limit=1&limit=2")) ==
            fields{"limit"});
      CHECK(failed_fields(server.call("GET", std::string(collection) + "?limit=0&status=bogus")) ==
            fields{"limit", "status"});
    });
  }

  TEST_CASE("concurrent creates") {
    on_each_backend([](api_server const& server) {
      constexpr int clients = 20;
      SUBCASE("distinct names: all 201 with distinct ids") {
        auto outcome =
            race_creates(server, clients, [](int i) { return "race-" + std::to_string(i); });
        CHECK_MESSAGE(outcome.failures.empty(), failures_of(outcome) << "\n"
                                                                     << server.diagnostics());
        CHECK(outcome.by_status[201] == clients);
        CHECK(created_ids(outcome).size() == static_cast<std::size_t>(clients));
        CHECK(list(server, "").at("total") == clients);
      }
      SUBCASE("one name: exactly one 201, the others 409") {
        auto outcome = race_creates(server, clients, [](int) { return "the-one"; });
        CHECK_MESSAGE(outcome.failures.empty(), failures_of(outcome) << "\n"
                                                                     << server.diagnostics());
        CHECK(outcome.by_status[201] == 1);
        CHECK(outcome.by_status[409] == clients - 1);
        auto const all = list(server, "");
        CHECK(all.at("total") == 1);
        auto const winner = created_ids(outcome);
        CHECK(item_ids(all) == std::vector<std::int64_t>(winner.begin(), winner.end()));
      }
    });
  }

  TEST_CASE("concurrent patches with one If-Match: exactly one wins") {
    on_each_backend([](api_server const& server) {
      constexpr int clients = 10;
      auto const created =
          server.call("POST", collection, R"({"name":"contended","host":"h.example","port":1})");
      REQUIRE(created.status == 201);
      auto const etag = created.header("ETag");
      auto const path = created.header("Location");
      auto const plan_for = [&](int i) {
        return planned_request{
            "PATCH", path, R"({"port":)" + std::to_string(100 + i) + "}", {{"If-Match", etag}}};
      };
      auto outcome = race(server, clients, plan_for, {200, 412});
      CHECK_MESSAGE(outcome.failures.empty(), failures_of(outcome) << "\n" << server.diagnostics());
      CHECK(outcome.by_status[200] == 1);
      CHECK(outcome.by_status[412] == clients - 1);
      auto const stored = server.call("GET", path).json();
      CHECK(stored.at("version") == 2);
      for (auto const& r : outcome.responses)
        if (r.status == 200) CHECK(r.json() == stored);
    });
  }

  TEST_CASE("merge-patch: empty and null members") {
    api_server const server;
    auto const created = server.call(
        "POST", collection,
        R"({"name":"m","host":"h.example","port":1,"description":"d","tags":["a","b"]})");
    REQUIRE(created.status == 201);
    auto const path = created.header("Location");

    auto const empty = server.call("PATCH", path, "{}");
    CHECK(empty.status == 200);
    CHECK(empty.json() == created.json());
    CHECK(empty.header("ETag") == created.header("ETag"));

    auto const same = server.call("PATCH", path, R"({"name":"m","tags":["a","b"]})");
    CHECK(same.status == 200);
    CHECK(same.json().at("version") == 1);

    auto const reset = server.call("PATCH", path, R"({"description":null,"tags":null})");
    INFO("PATCH nulls -> " << reset.status << " " << reset.body);
    CHECK(reset.status == 200);
    CHECK(reset.json().at("description") == "");
    CHECK(reset.json().at("tags") == json::array{});
    CHECK(reset.json().at("version") == 2);
    CHECK(list(server, "?tag=a").at("total") == 0);

    CHECK(failed_fields(server.call("PATCH", path, R"({"name":null,"port":null})")) ==
          fields{"name", "port"});
  }

  TEST_CASE("a bearer token is required") {
    api_server const server;
    auto const anonymous = wsd::test::request(server.port(), "GET", collection);
    check_error(anonymous, 401, "unauthorized");
    CHECK(anonymous.header("WWW-Authenticate").starts_with("Bearer"));
    check_error(wsd::test::request(server.port(), "POST", collection,
                                   R"({"name":"x","host":"h.example","port":1})"),
                401, "unauthorized");
    CHECK(list(server, "").at("total") == 0);
  }
}
