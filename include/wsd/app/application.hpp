// Wires the parts together in the order of the request path and runs the
// server until SIGINT/SIGTERM.
#pragma once

#include "wsd/config/config.hpp"

namespace wsd::app {

// The process exit code: 0 after a clean shutdown, 1 when the database or
// the listening socket cannot be set up, 2 for an unusable configuration.
int run(config::settings const& settings);

}  // namespace wsd::app
