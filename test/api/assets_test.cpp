#include "wsd/api/assets.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace assets = wsd::api::assets;

namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

TEST_SUITE("assets") {
  TEST_CASE("the pages and their assets are embedded with their types and cache policy") {
    for (auto const* path : {"/docs", "/admin"}) {
      CAPTURE(path);
      auto const page = assets::find(path);
      REQUIRE(page.has_value());
      CHECK(page->content_type == "text/html; charset=utf-8");
      CHECK(page->header("Cache-Control") == "no-cache");
      CHECK(page->body->starts_with("<!doctype html>"));
      // The asset URLs carry the build's digest, never the placeholder.
      CHECK_FALSE(contains(*page->body, "@v@"));
    }
    auto const js = assets::find("/admin/admin.js");
    REQUIRE(js.has_value());
    CHECK(js->content_type == "text/javascript; charset=utf-8");
    CHECK(js->header("Cache-Control") == "public, max-age=31536000, immutable");
    auto const css = assets::find("/admin/admin.css");
    REQUIRE(css.has_value());
    CHECK(css->content_type == "text/css; charset=utf-8");
    // One body per path, shared by every response.
    CHECK(assets::find("/admin")->body == assets::find("/admin")->body);
  }

  TEST_CASE("unknown paths are 404") {
    for (auto const* path : {"/docs/", "/docs/nope.js", "/admin/../admin", "/admin/admin.html"}) {
      CAPTURE(path);
      auto const r = assets::find(path);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == wsd::core::errc::not_found);
    }
  }

  TEST_CASE("no page loads anything from another host") {
    for (auto const& f : assets::embedded_files()) {
      if (!f.path.ends_with("/docs") && !f.path.ends_with("/admin")) continue;
      CAPTURE(f.path);
      auto const page = *assets::find(f.path)->body;
      CHECK_FALSE(contains(page, "src=\"http"));
      CHECK_FALSE(contains(page, "href=\"http"));
      CHECK_FALSE(contains(page, "//cdn"));
      CHECK_FALSE(contains(page, "persistAuthorization"));
    }
  }

  TEST_CASE("/docs is Swagger UI when the build fetched it, else a page that says why") {
    auto const page = *assets::find("/docs")->body;
    if (assets::has_swagger_ui()) {
      CHECK(contains(page, R"(url: "/openapi.json")"));
      CHECK(contains(page, "validatorUrl: null"));
      auto const bundle = assets::find("/docs/swagger-ui-bundle.js");
      REQUIRE(bundle.has_value());
      CHECK(bundle->body->size() > 100000);
      CHECK(assets::find("/docs/swagger-ui.css").has_value());
    } else {
      CHECK(contains(page, "built without Swagger UI"));
      CHECK(contains(page, R"(href="/openapi.json")"));
    }
  }

  TEST_CASE("the admin page keeps its token out of localStorage") {
    auto const js = *assets::find("/admin/admin.js")->body;
    CHECK(contains(js, "sessionStorage"));
    CHECK_FALSE(contains(js, "localStorage"));
  }
}
