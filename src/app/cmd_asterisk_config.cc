// `aicc asterisk-config`: renders the Asterisk configuration aicc needs from
// the settings (the asterisk_kit module) into --out, prints what it wrote and
// the notes, never a secret.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>

#include "app/cli.h"
#include "app/commands.h"
#include "asterisk_kit/asterisk_kit.h"
#include "core/config.h"

namespace aicc::app {
namespace {

int Run(const ConfigFlags& flags, const std::string& out_dir,
        const asterisk_kit::Options& options) {
  const core::Config cfg = flags.Load();
  asterisk_kit::Rendering r = asterisk_kit::Render(cfg, options);
  const std::filesystem::path out = out_dir;
  asterisk_kit::WriteFiles(out, r.files);
  for (const auto& f : r.files) {
    fmt::print("wrote {} (mode {:04o})\n", (out / f.name).string(), f.mode);
  }
  fmt::print("templates: {}\n", r.templates.string());
  if (r.ari_password_generated) {
    r.notes.push_back(
        fmt::format("generated the ARI password of '{}': it is only in {} and {} (mode 0600); copy "
                    "ARI_PASSWORD from the latter into /etc/aicc/aicc.env",
                    r.ari_username, (out / "ari.conf").string(), (out / "aicc-ari.env").string()));
  }
  for (const auto& n : r.notes) fmt::print("note: {}\n", n);
  return 0;
}

}  // namespace

void AddAsteriskConfigCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "asterisk-config",
      "Render the Asterisk configuration (pjsip, extensions, ari, http, rtp, modules, "
      "musiconhold, realtime) from the settings");
  auto flags = std::make_shared<ConfigFlags>();
  auto out = std::make_shared<std::string>();
  auto opt = std::make_shared<asterisk_kit::Options>();
  flags->AddTo(*cmd);
  cmd->add_option("--out", *out, "Directory to write the files to (created if missing)")
      ->required();
  cmd->add_option("--templates", opt->templates,
                  "Template directory (default: installed share/aicc/asterisk/templates, or the "
                  "source tree's asterisk/templates)");
  cmd->add_option("--seed-sql", opt->seed_sql,
                  "Also write seed-<dialect>.sql (mode 0600) creating the agents for PJSIP "
                  "realtime")
      ->check(CLI::IsMember({"postgres", "mysql"}));
  cmd->add_flag("--generate-secrets", opt->generate_secrets,
                "Generate a missing ARI password and missing agent passwords (written only to "
                "0600 files)");
  cmd->callback([flags, out, opt, &exit_code] {
    try {
      exit_code = Run(*flags, *out, *opt);
    } catch (const asterisk_kit::RenderError& e) {
      fmt::print(stderr, "aicc asterisk-config: error: {}\n", e.what());
      exit_code = 2;
    } catch (const core::ConfigError& e) {
      fmt::print(stderr, "aicc asterisk-config: error: {}\n", e.what());
      exit_code = 2;
    } catch (const std::filesystem::filesystem_error& e) {
      fmt::print(stderr, "aicc asterisk-config: error: {}\n", e.what());
      exit_code = 1;
    }
  });
}

}  // namespace aicc::app
