// Query strings and form bodies (application/x-www-form-urlencoded): the
// same "name=value&..." encoding, decoded here once for the whole server.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wsd::util {

// Decodes %XX, and '+' as a space when `plus_is_space` (query strings and
// form bodies; not paths, where '+' is itself). Plain text, the usual case,
// is returned as a view of the input; only encoded text is copied into
// `storage`. nullopt for a malformed escape.
std::optional<std::string_view> percent_decode(std::string_view in, std::string& storage,
                                               bool plus_is_space = true);

// The decoded value of the first parameter called `name`; nullopt when it
// is absent or badly encoded. A parameter without '=' has an empty value.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

}  // namespace wsd::util
