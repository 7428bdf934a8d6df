// The aicc subcommands (DESIGN.md §3). Each subcommand registers itself on
// the CLI11 app; RunCli parses and runs the chosen one.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/config.h"

namespace aicc::app {

// Flags shared by the commands that load the configuration: --config,
// --set name=value, and one flag per table entry that names one.
struct ConfigFlags {
  std::optional<std::string> config_path;
  std::vector<std::string> set;
  std::map<std::string, std::string> values;  // filled by CLI11 callbacks
  void AddTo(CLI::App& app);
  // Loads the configuration with the process environment.
  core::Config Load() const;
};

int RunCli(int argc, char** argv);

}  // namespace aicc::app
