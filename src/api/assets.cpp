#include "wsd/api/assets.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>

namespace wsd::api::assets {

namespace {

std::string_view content_type(std::string_view path) noexcept {
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  return "text/html; charset=utf-8";
}

bool is_page(std::string_view path) noexcept {
  return path.rfind('.') == std::string_view::npos || path.ends_with(".html");
}

std::string_view find_bytes(std::string_view path) noexcept {
  for (auto const& f : embedded_files())
    if (f.path == path) return f.bytes();
  return {};
}

// FNV-1a over every embedded asset: changes whenever one does, so a page of
// a new build names new asset URLs and no browser keeps a stale script.
std::string build_digest() {
  std::uint64_t h = 14695981039346656037ULL;
  for (auto const& f : embedded_files())
    for (char const c : f.bytes()) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Pages carry the placeholder "@v@" where an asset URL takes the digest.
std::string with_digest(std::string_view page, std::string const& digest) {
  std::string out;
  out.reserve(page.size());
  for (std::size_t at = 0;;) {
    auto const hit = page.find("@v@", at);
    out.append(page.substr(at, hit - at));
    if (hit == std::string_view::npos) return out;
    out += digest;
    at = hit + 3;
  }
}

struct prepared {
  http::body_ptr body;
  std::string_view type;
  bool page;
};

// Every response body, built once on first use and shared by every request.
std::unordered_map<std::string_view, prepared> const& prepared_files() {
  static auto const files = [] {
    auto const digest = build_digest();
    std::unordered_map<std::string_view, prepared> out;
    for (auto const& f : embedded_files()) {
      bool const page = is_page(f.path);
      out[f.path] = {
          http::make_body(page ? with_digest(f.bytes(), digest) : std::string(f.bytes())),
          content_type(f.path), page};
    }
    return out;
  }();
  return files;
}

}  // namespace

bool has_swagger_ui() noexcept {
  return !find_bytes("/docs/swagger-ui-bundle.js").empty();
}

core::result<http::response> find(std::string_view path) {
  auto const& files = prepared_files();
  auto const it = files.find(path);
  if (it == files.end()) return core::not_found("no page or asset at " + std::string(path));
  http::response res;
  res.content_type = it->second.type;
  res.body = it->second.body;
  res.set("Cache-Control", it->second.page ? "no-cache" : "public, max-age=31536000, immutable");
  res.set("X-Content-Type-Options", "nosniff");
  return res;
}

boost::asio::awaitable<reply> serve(context& ctx) {
  co_return find(ctx.req.path);
}

}  // namespace wsd::api::assets
