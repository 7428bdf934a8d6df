// `aicc config`: print the effective configuration (secrets masked), or
// `--markdown` the settings reference (docs/configuration.md).
#include <fmt/format.h>

#include <memory>

#include "app/cli.h"
#include "app/commands.h"
#include "net/url.h"

namespace aicc::app {
namespace {

// URLs (ari.url, ari.call_started_url, sink.urls) may carry `user:password@`
// or a `?token=`: printed redacted, like everywhere else.
std::string ShownValue(const core::SettingSpec& spec, std::string_view value) {
  const std::string_view name = spec.name;
  if (name.ends_with(".url") || name.ends_with("_url") || name.ends_with(".urls")) {
    return net::RedactUrlList(value);
  }
  return std::string(value);
}

}  // namespace

void AddConfigCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "config", "Print the effective configuration and where each value came from");
  auto flags = std::make_shared<ConfigFlags>();
  auto markdown = std::make_shared<bool>(false);
  flags->AddTo(*cmd);
  cmd->add_flag("--markdown", *markdown, "Print the settings reference as Markdown");
  cmd->callback([flags, markdown, &exit_code] {
    if (*markdown) {
      fmt::print("{}", core::ConfigurationMarkdown());
    } else {
      fmt::print("{}", flags->Load().Describe(ShownValue));
    }
    exit_code = 0;
  });
}

}  // namespace aicc::app
