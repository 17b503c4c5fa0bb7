// wsd: the workstation inventory server.
#include <iostream>
#include <string_view>
#include <vector>

#include "wsd/app/application.hpp"
#include "wsd/config/config.hpp"

int main(int argc, char** argv) {
  std::vector<std::string_view> const args(argv + 1, argv + argc);
  auto const parsed = wsd::config::parse(args, wsd::config::process_getenv);
  if (!parsed) {
    std::cerr << "wsd: " << parsed.error() << "\n(see wsd --help)" << std::endl;
    return 2;
  }
  switch (parsed->what) {
    case wsd::config::command::help:
      std::cout << wsd::config::help_text();
      return 0;
    case wsd::config::command::version:
      std::cout << "wsd " WSD_VERSION << std::endl;
      return 0;
    case wsd::config::command::run:
      break;
  }
  return wsd::app::run(parsed->config);
}
