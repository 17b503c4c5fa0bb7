// Content negotiation on Accept-Encoding (RFC 9110 section 12.5.3): which
// coding a response body goes out in.
#pragma once

#include <optional>
#include <string_view>

#include "wsd/util/compress.hpp"

namespace wsd::http {

// A qvalue in thousandths (0..1000): "0.5" → 500. Nothing when malformed.
std::optional<unsigned> parse_qvalue(std::string_view text) noexcept;

// The coding to send for `header` (empty when absent): the highest q among
// br, gzip and an explicitly listed identity, `*` standing for any coding not
// listed, q=0 meaning "not acceptable"; on a tie br, then gzip, then
// identity. Malformed elements are ignored. Identity when no compressed
// coding is acceptable (also when identity itself was refused: a body must
// go out in some coding, and every client reads identity). Without
// `allow_br`, br counts as unacceptable.
util::encoding choose_encoding(std::string_view header, bool allow_br = true) noexcept;

}  // namespace wsd::http
