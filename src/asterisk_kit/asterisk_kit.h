// The Asterisk side of a deployment, rendered from aicc's settings: the
// configuration files Asterisk 22 needs to hand calls to aicc (pjsip.conf,
// extensions.conf, ari.conf, http.conf, rtp.conf, modules.conf,
// musiconhold.conf, and for PJSIP realtime sorcery.conf, extconfig.conf,
// res_odbc.conf), plus optionally the SQL that seeds the realtime agents.
// `aicc asterisk-config` is a thin command around this module.
//
// Usage:
//   asterisk_kit::Options options{.seed_sql = "postgres", .generate_secrets = true};
//   asterisk_kit::Rendering r = asterisk_kit::Render(cfg, options);  // throws RenderError
//   asterisk_kit::WriteFiles(out_dir, r.files);                       // throws RenderError
//   for (const auto& note : r.notes) print(note);
//
// Templates are plain files under asterisk/templates/ (mustache: `{{name}}`,
// `{{#name}}…{{/name}}`, `{{^name}}…{{/name}}`, `{{.}}`), rendered by Debian's
// kainjow mustache with each file's own escaping instead of HTML escaping.
// Every placeholder must be known, also inside sections that do not render,
// or Render fails naming the file and line. Everything is rendered before
// anything is written, so a failure leaves no half-written configuration.
//
// Secrets (ARI, agent, upstream and ODBC passwords) go only into the files
// that must hold them, which are written with mode 0600; nothing here prints
// them.
//
// Threading: no shared state. Render reads the templates and the agent
// password file and may append generated passwords to that file
// (`generate_secrets`); run one Render per password file at a time.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/config.h"

namespace aicc::asterisk_kit {

// An error the user can fix (a setting, a template, a file); the message
// names it and is meant to be printed as is.
class RenderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Options {
  // Template directory; empty: the installed share/aicc/asterisk/templates
  // next to the binary, then <bin>/../asterisk/templates, then the source tree.
  std::string templates;
  std::string seed_sql;  // "", "postgres" or "mysql": also render seed-<dialect>.sql
  // Create a missing ARI password and missing agent passwords instead of failing.
  bool generate_secrets = false;
};

struct File {
  std::string name;  // file name, e.g. "pjsip.conf"
  mode_t mode;       // 0600 for files holding secrets, 0640 otherwise
  std::string content;
};

struct Rendering {
  std::filesystem::path templates;  // the template directory used
  std::vector<File> files;          // in the order they should be written
  // Warnings and hints for the user, without secrets.
  std::vector<std::string> notes;
  // The ARI password was generated: it is only in ari.conf and aicc-ari.env.
  bool ari_password_generated = false;
  std::string ari_username;
};

// Renders every file from the settings. Throws RenderError naming the
// setting, template line or file on anything missing or unsafe.
Rendering Render(const core::Config& cfg, const Options& options);

// Creates `dir` if needed and writes each file with exactly its mode,
// atomically (temporary file + rename). Throws RenderError.
void WriteFiles(const std::filesystem::path& dir, const std::vector<File>& files);

}  // namespace aicc::asterisk_kit
