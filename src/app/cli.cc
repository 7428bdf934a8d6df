#include "app/cli.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "core/logging.h"

namespace aicc::app {

void ConfigFlags::AddTo(CLI::App& app) {
  app.add_option("--config", config_path,
                 "TOML configuration file (default /etc/aicc/aicc.toml when present)");
  app.add_option("--set", set, "Set any setting: --set name=value (repeatable)");
  for (const auto& spec : core::SettingsTable()) {
    if (spec.flag.empty()) continue;
    const std::string name = spec.name;
    if (spec.type == core::SettingType::kBool) {
      app.add_flag_callback(
          "--" + spec.flag, [this, name] { values[name] = "true"; }, spec.help);
    } else {
      app.add_option_function<std::string>(
          "--" + spec.flag, [this, name](const std::string& v) { values[name] = v; }, spec.help);
    }
  }
}

core::Config ConfigFlags::Load() const {
  std::map<std::string, std::string> flags = values;
  for (const auto& kv : set) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) {
      throw core::ConfigError(fmt::format("--set '{}': expected name=value", kv));
    }
    flags[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::optional<std::string> path = config_path;
  auto env = core::ProcessEnvironment();
  if (!path) {
    if (auto it = env.find("AICC_CONFIG"); it != env.end() && !it->second.empty()) {
      path = it->second;
    } else if (std::filesystem::exists("/etc/aicc/aicc.toml")) {
      path = "/etc/aicc/aicc.toml";
    }
  }
  auto cfg = core::Config::Load(flags, env, path);
  core::SetupLogging(cfg.GetString("log.level"), cfg.GetBool("log.debug"));
  return cfg;
}

int RunCli(int argc, char** argv) {
  CLI::App app{"aicc: real-time AI contact-center media pipeline"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(kVersion));
  int exit_code = 0;
  for (const auto& command : Commands()) command.add(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}

}  // namespace aicc::app
