// Which database product a connection talks to: the few places where SQL
// or error codes differ ask this.
#pragma once

#include <cstdint>

namespace wsd::db {

enum class backend : std::uint8_t { sqlite, postgresql };

}  // namespace wsd::db
