// The list query of GET /api/workstations: any raw query string parses to a
// value or to field errors, and a parsed query's normal form parses back to
// the same query and is its own normal form (it is the list's cache key).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wsd/workstations/list_query.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::string_view const raw(reinterpret_cast<char const*>(data), size);
  auto const parsed = wsd::workstations::parse_list_query(raw);
  if (!parsed) return 0;
  auto const normal = parsed->normalized();
  auto const again = wsd::workstations::parse_list_query(normal);
  if (!again || *again != *parsed || again->normalized() != normal) std::abort();
  return 0;
}
