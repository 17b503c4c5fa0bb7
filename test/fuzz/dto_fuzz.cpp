// A request body on its way to a workstation: strict JSON parsing, then the
// POST and merge-patch validation. What validates must be within the SPEC's
// limits. (User bodies are validated in src/api/users.cpp, reached through
// the dispatcher target.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wsd/util/json.hpp"
#include "wsd/workstations/workstation.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  namespace ws = wsd::workstations;
  std::string_view const body(reinterpret_cast<char const*>(data), size);
  auto const object = wsd::util::parse_json_object(body);
  if (!object) return 0;

  if (auto const n = ws::validate_new(*object)) {
    require(ws::is_valid_name(n->name) && ws::is_valid_host(n->host) && n->port != 0);
    require(n->description.size() <= ws::max_description_bytes && n->tags.size() <= ws::max_tags);
    for (auto const& tag : n->tags) require(ws::is_valid_tag(tag));
  } else {
    require(!n.error().empty());
  }
  if (auto const p = ws::validate_patch(*object); !p) require(!p.error().empty());
  return 0;
}
