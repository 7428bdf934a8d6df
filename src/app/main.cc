// The aicc command: parses the command line, loads the configuration and
// hands over to the subcommand. Exceptions stop here (start-up errors).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "app/cli.h"
#include "core/config.h"

int main(int argc, char** argv) {
  try {
    return aicc::app::RunCli(argc, argv);
  } catch (const aicc::core::ConfigError& e) {
    std::fprintf(stderr, "aicc: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aicc: fatal: %s\n", e.what());
    return 1;
  }
}
