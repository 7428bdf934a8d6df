#include "core/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>

#include "core/redact.h"

extern char** environ;

namespace aicc::core {
namespace {

std::string Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// Splits a comma-separated list; empty items and items starting with '#'
// are skipped (an old-system convention for commented-out URLs).
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string_view::npos ? text.size() : comma;
    std::string item = Trim(text.substr(start, end - start));
    if (!item.empty() && item[0] != '#') out.push_back(std::move(item));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ',';
    out += i;
  }
  return out;
}

std::optional<bool> ParseBool(std::string_view v) {
  std::string s = Trim(v);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s == "0" || s == "false" || s == "no" || s == "off") return false;
  return std::nullopt;
}

std::optional<std::int64_t> ParseInt(std::string_view v) {
  const std::string s = Trim(v);
  std::int64_t out = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return out;
}

std::optional<double> ParseDouble(std::string_view v) {
  const std::string s = Trim(v);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double out = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(out)) return std::nullopt;
  return out;
}

std::string Allowed(const SettingSpec& spec) {
  switch (spec.type) {
    case SettingType::kInt:
      if (spec.min < spec.max) return fmt::format("an integer in [{}, {}]", spec.min, spec.max);
      return "an integer";
    case SettingType::kDouble:
      if (spec.min < spec.max) return fmt::format("a number in [{}, {}]", spec.min, spec.max);
      return "a number";
    case SettingType::kBool:
      return "true|false (also 1|0, yes|no, on|off)";
    case SettingType::kEnum: {
      std::string c;
      for (const auto& choice : spec.choices) c += (c.empty() ? "" : "|") + choice;
      return "one of " + c;
    }
    case SettingType::kList:
      return "a comma-separated list";
    default:
      return "text";
  }
}

// Renders a TOML node as setting text.
std::optional<std::string> TomlToText(const toml::node& node) {
  if (auto s = node.value<std::string>()) return *s;
  if (node.is_boolean()) return *node.value<bool>() ? "true" : "false";
  if (node.is_integer()) return std::to_string(*node.value<std::int64_t>());
  if (node.is_floating_point()) return fmt::format("{}", *node.value<double>());
  if (const auto* arr = node.as_array()) {
    std::vector<std::string> items;
    for (const auto& el : *arr) {
      auto t = TomlToText(el);
      if (!t) return std::nullopt;
      items.push_back(*t);
    }
    return JoinList(items);
  }
  if (const auto* table = node.as_table()) {
    // A table of strings becomes "key=value" items (e.g. ari.agent_priority).
    std::vector<std::string> items;
    for (const auto& [k, v] : *table) {
      auto t = TomlToText(v);
      if (!t) return std::nullopt;
      items.push_back(std::string(k.str()) + "=" + *t);
    }
    return JoinList(items);
  }
  return std::nullopt;
}

// Environment values for one setting, or nullopt when none is set.
std::optional<std::pair<std::string, std::string>> FromEnvironment(const SettingSpec& spec,
                                                                   const Environment& env) {
  std::vector<std::string> merged;
  std::string first_source;
  for (const auto& name : spec.env) {
    std::vector<std::pair<std::string, std::string>> hits;
    if (name.size() > 1 && name.back() == '*') {
      // PREFIX_* : PREFIX_1, PREFIX_2, ... in numeric order. Gaps and empty
      // values do not stop the scan (an empty AICC_WS_URL_1 must not hide
      // AICC_WS_URL_2).
      const std::string prefix = name.substr(0, name.size() - 1);
      std::vector<std::pair<std::int64_t, std::string>> numbered;
      for (const auto& [k, v] : env) {
        if (k.size() <= prefix.size() || k.compare(0, prefix.size(), prefix) != 0) continue;
        if (auto n = ParseInt(std::string_view(k).substr(prefix.size())); n && *n >= 0) {
          numbered.emplace_back(*n, k);
        }
      }
      std::sort(numbered.begin(), numbered.end());
      for (const auto& [n, k] : numbered) hits.emplace_back(k, env.at(k));
    } else if (auto it = env.find(name); it != env.end()) {
      hits.emplace_back(name, it->second);
    }
    for (const auto& [k, v] : hits) {
      if (spec.type == SettingType::kList) {
        auto items = SplitList(v);
        if (items.empty()) continue;
        if (first_source.empty()) first_source = "env:" + k;
        if (!spec.merge_env) return std::make_pair(JoinList(items), first_source);
        for (auto& i : items) {
          if (std::find(merged.begin(), merged.end(), i) == merged.end()) merged.push_back(i);
        }
      } else {
        return std::make_pair(v, "env:" + k);
      }
    }
  }
  if (!first_source.empty()) return std::make_pair(JoinList(merged), first_source);
  return std::nullopt;
}

}  // namespace

const SettingSpec* FindSetting(std::string_view name) {
  for (const auto& s : SettingsTable()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::optional<std::string> ValidateSetting(const SettingSpec& spec, std::string_view value) {
  const auto fail = [&](const std::string& allowed) {
    // A URL may carry credentials (user:password@, ?token=): never echo them.
    const std::string shown = spec.type == SettingType::kSecret             ? "***"
                              : value.find("://") != std::string_view::npos ? RedactUrl(value)
                                                                            : std::string(value);
    return fmt::format("invalid setting {}: value '{}' is not allowed; expected {}", spec.name,
                       shown, allowed);
  };
  switch (spec.type) {
    case SettingType::kInt: {
      auto v = ParseInt(value);
      if (!v || (spec.min < spec.max && (*v < spec.min || *v > spec.max)))
        return fail(Allowed(spec));
      break;
    }
    case SettingType::kDouble: {
      auto v = ParseDouble(value);
      if (!v || (spec.min < spec.max && (*v < spec.min || *v > spec.max)))
        return fail(Allowed(spec));
      break;
    }
    case SettingType::kBool:
      if (!ParseBool(value)) return fail(Allowed(spec));
      break;
    case SettingType::kEnum: {
      const std::string v = Trim(value);
      if (std::find(spec.choices.begin(), spec.choices.end(), v) == spec.choices.end()) {
        return fail(Allowed(spec));
      }
      break;
    }
    case SettingType::kList:
      if (spec.validate) {
        for (const auto& item : SplitList(value)) {
          if (auto allowed = spec.validate(item)) {
            return fmt::format("invalid setting {}: value '{}' is not allowed; expected {}",
                               spec.name, RedactUrl(item), *allowed);
          }
        }
      }
      return std::nullopt;
    default:
      break;
  }
  if (spec.validate) {
    if (auto allowed = spec.validate(value)) return fail(*allowed);
  }
  return std::nullopt;
}

Config Config::Load(const std::map<std::string, std::string>& flags, const Environment& env,
                    const std::optional<std::string>& toml_path) {
  for (const auto& [name, value] : flags) {
    if (!FindSetting(name)) throw ConfigError(fmt::format("unknown setting '{}'", name));
  }
  toml::table file;
  if (toml_path) {
    try {
      file = toml::parse_file(*toml_path);
    } catch (const toml::parse_error& e) {
      throw ConfigError(fmt::format("config file {}: {} (line {}, column {})", *toml_path,
                                    e.description(), e.source().begin.line,
                                    e.source().begin.column));
    }
    // Unknown keys are errors: a typo must not silently keep a default.
    std::vector<std::string> unknown;
    std::function<void(const toml::table&, const std::string&)> walk =
        [&](const toml::table& t, const std::string& prefix) {
          for (const auto& [k, v] : t) {
            const std::string key =
                prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
            if (FindSetting(key)) continue;
            if (const auto* sub = v.as_table())
              walk(*sub, key);
            else
              unknown.push_back(key);
          }
        };
    walk(file, "");
    if (!unknown.empty()) {
      throw ConfigError(
          fmt::format("config file {}: unknown setting '{}'", *toml_path, unknown[0]));
    }
  }

  Config cfg;
  for (const auto& spec : SettingsTable()) {
    Entry entry{spec.default_value, "default"};
    if (toml_path) {
      if (auto node = file.at_path(spec.name); node) {
        auto text = TomlToText(*node.node());
        if (!text) {
          throw ConfigError(
              fmt::format("invalid setting {} in {}: unsupported TOML type; expected {}", spec.name,
                          *toml_path, Allowed(spec)));
        }
        entry = {*text, "file"};
      }
    }
    if (auto from_env = FromEnvironment(spec, env)) entry = {from_env->first, from_env->second};
    if (auto it = flags.find(spec.name); it != flags.end()) entry = {it->second, "flag"};
    if (spec.type == SettingType::kList) entry.value = JoinList(SplitList(entry.value));
    if (auto error = ValidateSetting(spec, entry.value)) {
      throw ConfigError(entry.source == "default" ? *error
                                                  : *error + " (from " + entry.source + ")");
    }
    cfg.values_[spec.name] = std::move(entry);
  }
  return cfg;
}

const Config::Entry& Config::At(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error(fmt::format("no setting named '{}'", name));
  return it->second;
}

const std::string& Config::GetString(std::string_view name) const { return At(name).value; }
std::int64_t Config::GetInt(std::string_view name) const { return *ParseInt(At(name).value); }
double Config::GetDouble(std::string_view name) const { return *ParseDouble(At(name).value); }
bool Config::GetBool(std::string_view name) const { return *ParseBool(At(name).value); }
std::vector<std::string> Config::GetList(std::string_view name) const {
  return SplitList(At(name).value);
}
const std::string& Config::Source(std::string_view name) const { return At(name).source; }

Config Config::With(std::string_view name, std::string_view value) const {
  const SettingSpec* spec = FindSetting(name);
  if (!spec) throw ConfigError(fmt::format("unknown setting '{}'", name));
  if (auto error = ValidateSetting(*spec, value)) throw ConfigError(*error);
  Config copy = *this;
  copy.values_[std::string(name)] = {std::string(value), "derived"};
  return copy;
}

std::string Config::Describe(const ValueFilter& shown) const {
  std::string out;
  for (const auto& spec : SettingsTable()) {
    const Entry& e = At(spec.name);
    const bool hide = spec.type == SettingType::kSecret && !e.value.empty();
    const std::string value = hide ? "***" : shown ? shown(spec, e.value) : e.value;
    out += fmt::format("{} = {}  ({})\n", spec.name, value, e.source);
  }
  return out;
}

std::string ConfigurationMarkdown() {
  std::string out =
      "# Configuration\n\n"
      "<!-- Generated from src/core/settings_table.cc by `aicc config --markdown`; "
      "a test keeps it in sync. Do not edit by hand. -->\n\n"
      "Every setting can be given, from highest to lowest precedence, as a command-line flag "
      "(`--flag value`, or `--set name=value` for any setting), an environment variable, a key "
      "in the TOML file (`--config FILE`, default `/etc/aicc/aicc.toml` when present; the "
      "dotted name is the table and key: `media.customer_port` is `[media]` "
      "`customer_port = 12345`), or the default. An invalid value stops start-up with a "
      "message naming the setting, the value and what is allowed. Environment names of the "
      "old Node.js/Python system keep their meaning. A name ending in `_*` means numbered "
      "variables (`AICC_WS_URL_1`, `AICC_WS_URL_2`, …); list settings take comma-separated "
      "values, skipping empty items and items starting with `#`.\n\n";
  std::string section;
  for (const auto& spec : SettingsTable()) {
    const std::string sec = spec.name.substr(0, spec.name.find('.'));
    if (sec != section) {
      section = sec;
      out += fmt::format(
          "\n## [{}]\n\n| setting | environment | flag | type / allowed | default | "
          "meaning |\n|---|---|---|---|---|---|\n",
          section);
    }
    std::string env;
    for (const auto& e : spec.env) env += (env.empty() ? "" : ", ") + ("`" + e + "`");
    std::string type = Allowed(spec);
    if (spec.type == SettingType::kSecret) type = "secret text (never logged)";
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", spec.name, env.empty() ? "—" : env,
                       spec.flag.empty() ? "—" : "`--" + spec.flag + "`", type,
                       spec.default_value.empty() ? "(empty)" : "`" + spec.default_value + "`",
                       spec.help);
  }
  return out;
}

}  // namespace aicc::core
