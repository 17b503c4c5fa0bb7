// The pages wsd serves to browsers — /docs (Swagger UI) and /admin (the live
// operator page) — and their scripts and styles. Every byte is embedded in
// the binary at build time (scripts/assets/assets.cmake), so the pages work
// on a machine with no internet and never load anything from another host.
#pragma once

#include <span>
#include <string_view>

#include "wsd/api/context.hpp"

namespace wsd::api::assets {

// One embedded file, by the URL path it is served at.
struct embedded_file {
  std::string_view path;
  char const* begin;
  char const* end;
  std::string_view bytes() const noexcept { return {begin, static_cast<std::size_t>(end - begin)}; }
};

// Every embedded file (generated at build time).
std::span<embedded_file const> embedded_files() noexcept;

// Whether the build fetched Swagger UI; without it /docs explains why and
// links /openapi.json.
bool has_swagger_ui() noexcept;

// The response for a page or asset path (no query), or 404. Pages are
// revalidated on every load; assets are cached for a year, which is safe
// because the pages name them with a digest of this build's assets (?v=...).
core::result<http::response> find(std::string_view path);

// GET /docs, /docs/{file}, /admin, /admin/{file}
boost::asio::awaitable<reply> serve(context& ctx);

}  // namespace wsd::api::assets
