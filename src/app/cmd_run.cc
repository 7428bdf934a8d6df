// `aicc run`: the daemon (DESIGN.md §3).
#include <fmt/format.h>

#include <memory>

#include "app/cli.h"
#include "app/commands.h"
#include "app/daemon.h"
#include "core/logging.h"

namespace aicc::app {

void AddRunCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "run", "Run the daemon: ARI call control (unless --no-ari), RTP intake, pipeline, delivery");
  auto flags = std::make_shared<ConfigFlags>();
  auto no_ari = std::make_shared<bool>(false);
  flags->AddTo(*cmd);
  cmd->add_flag(
      "--no-ari", *no_ari,
      "Pipeline-only mode: the first stream on either port starts a call, a stream on "
      "the other port joins it; calls end after pipeline.call_idle_timeout_sec without RTP");
  cmd->callback([flags, no_ari, &exit_code] {
    // Every setting is validated here, before anything starts.
    core::Config cfg = flags->Load();
    DaemonMode mode;
    mode.pipeline_only = *no_ari;
    mode.reload_config = [flags] { return flags->Load(); };
    Daemon daemon(std::move(cfg), std::move(mode));
    if (auto started = daemon.Start(); !started) {
      core::Logger("app")->error("start-up failed: {}", started.error());
      exit_code = 1;
      return;
    }
    exit_code = daemon.RunUntilStopped();
  });
}

}  // namespace aicc::app
