// Configuration: one table of settings (name, TOML key, environment names
// including the old system's, flag, type, default, allowed values, help)
// drives parsing, `--help`, validation and docs/configuration.md.
//
// Precedence: command-line flags > environment > TOML file > defaults.
// Every invalid value stops start-up with a ConfigError naming the setting,
// the value and what is allowed. No other code reads the environment.
//
// Usage:
//   core::Config cfg = core::Config::Load(flag_values, core::ProcessEnvironment(), toml_path);
//   int port = cfg.GetInt("media.customer_port");
//
// Thread safety: a loaded Config is immutable; share it by const reference.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aicc::core {

enum class SettingType { kString, kSecret, kInt, kDouble, kBool, kEnum, kList };

struct SettingSpec {
  std::string name;              // dotted TOML key, e.g. "media.customer_port"
  std::vector<std::string> env;  // environment names; "PREFIX_*" = PREFIX_1..N
  std::string flag;              // long flag without "--"; empty when none
  SettingType type = SettingType::kString;
  std::string default_value;  // text form; lists are comma-separated
  double min = 0;             // numeric range, checked when min < max
  double max = 0;
  std::vector<std::string> choices;  // kEnum
  std::string help;
  // For lists, every environment name contributes (the old system sent to
  // the union of AICC_WS_URL, AICC_WS_URL_1..N and WEBSOCKET_URLS).
  bool merge_env = false;
  // Extra check on each (list element) value; returns what is allowed on
  // failure, nullopt when the value is fine.
  std::optional<std::string> (*validate)(std::string_view value) = nullptr;
};

// The whole table, in documentation order.
const std::vector<SettingSpec>& SettingsTable();
const SettingSpec* FindSetting(std::string_view name);

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Environment = std::map<std::string, std::string>;
Environment ProcessEnvironment();

class Config {
 public:
  // `flags` maps setting names to the text given on the command line.
  // `toml_path` is read when set; a missing or unparsable file is an error.
  static Config Load(const std::map<std::string, std::string>& flags, const Environment& env,
                     const std::optional<std::string>& toml_path);
  // Defaults only (tests, tools).
  static Config Defaults() { return Load({}, {}, std::nullopt); }

  const std::string& GetString(std::string_view name) const;
  std::int64_t GetInt(std::string_view name) const;
  double GetDouble(std::string_view name) const;
  bool GetBool(std::string_view name) const;
  std::vector<std::string> GetList(std::string_view name) const;
  // Where the value came from: "flag", "env:NAME", "file", "default".
  const std::string& Source(std::string_view name) const;
  // True when the value did not come from the default.
  bool IsSet(std::string_view name) const { return Source(name) != "default"; }

  // Returns a copy with one setting replaced (validated). For wiring code
  // that derives a setting (e.g. the demo's private journal directory).
  Config With(std::string_view name, std::string_view value) const;

  // `name = value  (source)` lines with secrets masked, for `aicc config`.
  // `shown` (if given) rewrites the other values before they are printed:
  // the caller redacts credentials inside URLs with net::RedactUrl (core
  // sits below net).
  using ValueFilter = std::function<std::string(const SettingSpec&, std::string_view value)>;
  std::string Describe(const ValueFilter& shown = {}) const;

 private:
  struct Entry {
    std::string value;
    std::string source;
  };
  const Entry& At(std::string_view name) const;
  std::map<std::string, Entry, std::less<>> values_;
};

// Validates `value` against `spec`; returns nullopt or a full error message.
std::optional<std::string> ValidateSetting(const SettingSpec& spec, std::string_view value);

// docs/configuration.md, generated from the table.
std::string ConfigurationMarkdown();

}  // namespace aicc::core
