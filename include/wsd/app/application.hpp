// The running server: every part of the request path, built in the order
// the request travels it and destroyed in reverse, with the io_context
// outliving them all (see application.cpp).
#pragma once

#include <memory>

#include "wsd/config/config.hpp"

namespace wsd::app {

class application {
 public:
  explicit application(config::settings const& settings);
  ~application();
  application(application const&) = delete;
  application& operator=(application const&) = delete;

  // Serves until SIGINT/SIGTERM. The process exit code: 0 after a clean
  // shutdown, 1 when the database or the listening socket cannot be set up,
  // 2 for an unusable configuration.
  int run();

  struct parts;

 private:
  config::settings const& settings_;
  std::unique_ptr<parts> parts_;
};

// application(settings).run()
int run(config::settings const& settings);

}  // namespace wsd::app
