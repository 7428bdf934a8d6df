// `aicc version`: version, build options and which engines are compiled in.
#include <fmt/format.h>

#include "app/commands.h"

namespace aicc::app {

void AddVersionCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print version and build options");
  cmd->callback([&exit_code] {
    fmt::print("aicc {}\n", kVersion);
#ifdef __VERSION__
    fmt::print("compiler: {}\n", __VERSION__);
#endif
#ifdef NDEBUG
    fmt::print("build: optimized\n");
#else
    fmt::print("build: debug\n");
#endif
    exit_code = 0;
  });
}

}  // namespace aicc::app
