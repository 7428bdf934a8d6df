// Registry of the aicc subcommands. Each command lives in its own file
// (cmd_<name>.cc) and adds itself to the CLI11 app; its callback stores its
// exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>
#include <string_view>
#include <vector>

namespace aicc::app {

inline constexpr std::string_view kVersion = "0.1.0";

struct Command {
  void (*add)(CLI::App& app, int& exit_code);
};

const std::vector<Command>& Commands();

void AddVersionCommand(CLI::App& app, int& exit_code);
void AddConfigCommand(CLI::App& app, int& exit_code);
void AddTurnCommand(CLI::App& app, int& exit_code);
void AddRedactCommand(CLI::App& app, int& exit_code);
void AddRunCommand(CLI::App& app, int& exit_code);
void AddReplayCommand(CLI::App& app, int& exit_code);
void AddSinkCommand(CLI::App& app, int& exit_code);
void AddDemoCommand(CLI::App& app, int& exit_code);
void AddAsteriskConfigCommand(CLI::App& app, int& exit_code);

}  // namespace aicc::app
