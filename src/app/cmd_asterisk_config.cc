// `aicc asterisk-config`: renders the Asterisk configuration aicc needs
// (pjsip.conf, extensions.conf, ari.conf, http.conf, rtp.conf, modules.conf,
// and for PJSIP realtime sorcery.conf, extconfig.conf, res_odbc.conf) from the
// settings, plus optionally the SQL that seeds the realtime agents.
//
// Templates are plain files under asterisk/templates/ with `{{name}}`
// placeholders (`${...}` stays free for the Asterisk dialplan) and
// mustache-style sections: `{{#name}}…{{/name}}` renders once for a true
// condition or a non-empty value and once per item of a list,
// `{{^name}}…{{/name}}` renders when the condition is false or the list empty,
// `{{.}}` is the current list item. A section tag alone on its line leaves no
// line behind. Every placeholder must be known, also inside sections that are
// not rendered, or the command fails naming the file and line.
//
// Templates are installed next to the binary, not compiled in: the command
// looks in --templates DIR, then <bin>/../share/aicc/asterisk/templates
// (installed: /usr/local/bin/aicc → /usr/local/share/aicc/...), then
// <bin>/../asterisk/templates (a build directory inside the source tree), then
// the source tree this file was compiled from.
//
// Secrets are never printed: files holding them are written with mode 0600,
// the others 0640, each atomically (temporary file + rename).
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/cli.h"
#include "app/commands.h"
#include "core/config.h"

namespace aicc::app {
namespace {

namespace fs = std::filesystem;

// An error the user can fix; printed as is.
class RenderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "name (ENV_NAME)" for messages, so the user knows where to set it.
std::string SettingLabel(std::string_view name) {
  const core::SettingSpec* spec = core::FindSetting(name);
  if (spec == nullptr || spec->env.empty()) return std::string(name);
  return fmt::format("{} ({})", name, spec->env.front());
}

// ---------------------------------------------------------------------------
// Template engine.

struct Context;

struct List {
  std::vector<std::string> keys;  // names each item defines ("." for plain values)
  std::vector<Context> items;
};

struct Context {
  std::map<std::string, std::string, std::less<>> text;
  std::map<std::string, bool, std::less<>> flags;
  std::map<std::string, List, std::less<>> lists;
};

struct Node {
  enum class Kind { kText, kVar, kSection, kInverted };
  Kind kind = Kind::kText;
  std::string text;  // kText: the text; otherwise the name
  int line = 0;
  std::vector<Node> children;
};

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Parses a template into a tree; throws RenderError naming file and line.
std::vector<Node> ParseTemplate(std::string_view src, const std::string& file) {
  struct Frame {
    Node node;
  };
  std::vector<Frame> stack;  // open sections; the bottom one is the whole template
  stack.push_back({Node{Node::Kind::kSection, "", 0, {}}});
  int line = 1;
  std::size_t pos = 0;
  auto where = [&](int l) { return fmt::format("{}:{}", file, l); };
  while (pos < src.size()) {
    const std::size_t open = src.find("{{", pos);
    std::string_view text = src.substr(pos, open == std::string_view::npos ? src.npos : open - pos);
    if (open == std::string_view::npos) {
      if (const auto stray = text.find("}}"); stray != std::string_view::npos) {
        const int l = line + static_cast<int>(std::count(text.begin(), text.begin() + stray, '\n'));
        throw RenderError(fmt::format("{}: stray '}}}}' without '{{{{'", where(l)));
      }
      stack.back().node.children.push_back({Node::Kind::kText, std::string(text), line, {}});
      break;
    }
    if (const auto stray = text.find("}}"); stray != std::string_view::npos) {
      const int l = line + static_cast<int>(std::count(text.begin(), text.begin() + stray, '\n'));
      throw RenderError(fmt::format("{}: stray '}}}}' without '{{{{'", where(l)));
    }
    const int text_line = line;
    line += static_cast<int>(std::count(text.begin(), text.end(), '\n'));
    const std::size_t close = src.find("}}", open + 2);
    if (close == std::string_view::npos) {
      throw RenderError(fmt::format("{}: '{{{{' without '}}}}'", where(line)));
    }
    std::string_view tag = Trim(src.substr(open + 2, close - open - 2));
    std::size_t next = close + 2;
    char sigil = 0;
    if (!tag.empty() && (tag[0] == '#' || tag[0] == '^' || tag[0] == '/')) {
      sigil = tag[0];
      tag = Trim(tag.substr(1));
    }
    if (tag.empty() || !std::all_of(tag.begin(), tag.end(), IsNameChar)) {
      throw RenderError(
          fmt::format("{}: malformed placeholder '{}' (expected {{{{name}}}}, {{{{#name}}}}, "
                      "{{{{^name}}}} or {{{{/name}}}} with a-z, 0-9, _ and .)",
                      where(line), src.substr(open, close + 2 - open)));
    }
    // A section tag alone on its line takes the whole line with it.
    if (sigil != 0) {
      const std::size_t nl = open == 0 ? std::string_view::npos : src.rfind('\n', open - 1);
      const std::size_t line_start = nl == std::string_view::npos ? 0 : nl + 1;
      std::size_t line_end = next;
      while (line_end < src.size() && (src[line_end] == ' ' || src[line_end] == '\t')) ++line_end;
      const bool own_line = line_start >= pos &&
                            Trim(src.substr(line_start, open - line_start)).empty() &&
                            (line_end == src.size() || src[line_end] == '\n');
      if (own_line) {
        text = text.substr(0, line_start - pos);
        next = line_end == src.size() ? line_end : line_end + 1;
      }
    }
    if (!text.empty()) {
      stack.back().node.children.push_back({Node::Kind::kText, std::string(text), text_line, {}});
    }
    const std::string name(tag);
    if (sigil == '#' || sigil == '^') {
      stack.push_back(
          {Node{sigil == '#' ? Node::Kind::kSection : Node::Kind::kInverted, name, line, {}}});
    } else if (sigil == '/') {
      if (stack.size() == 1 || stack.back().node.text != name) {
        throw RenderError(fmt::format(
            "{}: {{{{/{}}}}} does not close an open section{}", where(line), name,
            stack.size() == 1 ? ""
                              : fmt::format(" ({{{{#{}}}}} is open)", stack.back().node.text)));
      }
      Node done = std::move(stack.back().node);
      stack.pop_back();
      stack.back().node.children.push_back(std::move(done));
    } else {
      stack.back().node.children.push_back({Node::Kind::kVar, name, line, {}});
    }
    line += static_cast<int>(std::count(src.begin() + open, src.begin() + next, '\n'));
    pos = next;
  }
  if (stack.size() > 1) {
    throw RenderError(fmt::format("{}: {{{{#{}}}}} is never closed", where(stack.back().node.line),
                                  stack.back().node.text));
  }
  return std::move(stack.front().node.children);
}

enum class Kind { kNone, kText, kFlag, kList };

// Checks every placeholder against the context, including inside sections
// that will not render (an unknown name is a typo, whatever the settings).
void CheckNames(const std::vector<Node>& nodes, const Context& root,
                std::vector<const List*>& lists, const std::string& file) {
  for (const auto& node : nodes) {
    if (node.kind == Node::Kind::kText) continue;
    Kind kind = Kind::kNone;
    const List* list = nullptr;
    for (auto it = lists.rbegin(); it != lists.rend() && kind == Kind::kNone; ++it) {
      if (std::find((*it)->keys.begin(), (*it)->keys.end(), node.text) != (*it)->keys.end()) {
        kind = Kind::kText;
      }
    }
    if (kind == Kind::kNone) {
      if (root.text.count(node.text)) kind = Kind::kText;
      if (root.flags.count(node.text)) kind = Kind::kFlag;
      if (auto it = root.lists.find(node.text); it != root.lists.end()) {
        kind = Kind::kList;
        list = &it->second;
      }
    }
    if (kind == Kind::kNone) {
      throw RenderError(
          fmt::format("{}:{}: unknown placeholder {{{{{}}}}}", file, node.line, node.text));
    }
    if (node.kind == Node::Kind::kVar && kind != Kind::kText) {
      throw RenderError(fmt::format("{}:{}: {{{{{}}}}} is a {}, use it as a section", file,
                                    node.line, node.text,
                                    kind == Kind::kFlag ? "condition" : "list"));
    }
    if (list != nullptr) lists.push_back(list);
    CheckNames(node.children, root, lists, file);
    if (list != nullptr) lists.pop_back();
  }
}

class Renderer {
 public:
  Renderer(const Context& root, std::string (*escape)(std::string_view))
      : root_(root), escape_(escape) {}

  std::string Render(const std::vector<Node>& nodes) {
    std::string out;
    std::vector<const Context*> stack{&root_};
    RenderInto(nodes, stack, out);
    return out;
  }

 private:
  const std::string* FindText(std::string_view name, const std::vector<const Context*>& stack) {
    for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
      if (auto t = (*it)->text.find(name); t != (*it)->text.end()) return &t->second;
    }
    return nullptr;
  }

  void RenderInto(const std::vector<Node>& nodes, std::vector<const Context*>& stack,
                  std::string& out) {
    for (const auto& node : nodes) {
      switch (node.kind) {
        case Node::Kind::kText:
          out += node.text;
          break;
        case Node::Kind::kVar:
          out += escape_(*FindText(node.text, stack));  // CheckNames made sure it exists
          break;
        case Node::Kind::kSection:
        case Node::Kind::kInverted: {
          const bool inverted = node.kind == Node::Kind::kInverted;
          if (auto l = root_.lists.find(node.text); l != root_.lists.end()) {
            if (inverted) {
              if (l->second.items.empty()) RenderInto(node.children, stack, out);
            } else {
              for (const auto& item : l->second.items) {
                stack.push_back(&item);
                RenderInto(node.children, stack, out);
                stack.pop_back();
              }
            }
            break;
          }
          bool truthy = false;
          if (auto f = root_.flags.find(node.text); f != root_.flags.end()) {
            truthy = f->second;
          } else if (const std::string* t = FindText(node.text, stack)) {
            truthy = !t->empty();
          }
          if (truthy != inverted) RenderInto(node.children, stack, out);
          break;
        }
      }
    }
  }

  const Context& root_;
  std::string (*escape_)(std::string_view);
};

// Renders one template; every failure names the file and line.
std::string RenderTemplate(std::string_view src, const std::string& file, const Context& ctx,
                           std::string (*escape)(std::string_view)) {
  const auto nodes = ParseTemplate(src, file);
  std::vector<const List*> lists;
  CheckNames(nodes, ctx, lists, file);
  std::string out = Renderer(ctx, escape).Render(nodes);
  if (out.find("{{") != std::string::npos || out.find("}}") != std::string::npos) {
    throw RenderError(fmt::format("{}: a value contains '{{{{' or '}}}}'", file));
  }
  return out;
}

// Values go into Asterisk config files: no control characters (a newline
// would inject configuration), ';' starts a comment unless escaped.
std::string EscapeConfigValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == ';') out += '\\';
    out += c;
  }
  return out;
}

std::string EscapeSqlPostgres(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out;
}

std::string EscapeSqlMysql(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\'' || c == '\\') out += c == '\'' ? '\'' : '\\';
    out += c;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Values from settings.

void CheckNoControl(std::string_view label, std::string_view value) {
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      throw RenderError(
          fmt::format("{}: control characters (newline, tab, ...) are not allowed", label));
    }
  }
}

// Names that become section names, dialplan extensions and SIP users.
void CheckName(std::string_view label, std::string_view value) {
  const bool ok = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
  if (!ok) {
    throw RenderError(
        fmt::format("{} = '{}': only letters, digits, '_', '-' and '.' are allowed", label, value));
  }
}

// Addresses, hosts and networks.
void CheckHost(std::string_view label, std::string_view value) {
  const bool ok = std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '/' || c == '[' || c == ']';
  });
  if (!ok)
    throw RenderError(fmt::format("{} = '{}': not a host, address or network", label, value));
}

std::string RandomSecret(std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < length) {
    unsigned char buf[64];
    const ssize_t n = getrandom(buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw RenderError(fmt::format("getrandom: {}", std::strerror(errno)));
    }
    for (ssize_t i = 0; i < n && out.size() < length; ++i) {
      if (buf[i] >= 248) continue;  // 248 = 4 * 62: keep the choice uniform
      out += kAlphabet[buf[i] % kAlphabet.size()];
    }
  }
  return out;
}

// "sip:user@host:port;params" → "host".
std::string HostOfUri(std::string_view uri) {
  std::string_view rest = uri.substr(uri.find(':') + 1);
  if (auto at = rest.find('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (auto semi = rest.find(';'); semi != std::string_view::npos) rest = rest.substr(0, semi);
  if (!rest.empty() && rest.front() == '[') {
    const auto end = rest.find(']');
    return std::string(rest.substr(0, end == rest.npos ? rest.size() : end + 1));
  }
  if (auto colon = rest.find(':'); colon != std::string_view::npos) rest = rest.substr(0, colon);
  return std::string(rest);
}

struct AgentSecrets {
  std::map<std::string, std::string> passwords;
  std::vector<std::string> generated;  // names, for the message
};

// Reads `name=password` lines; '#' starts a comment line.
std::map<std::string, std::string> ReadPasswordFile(const fs::path& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  if (!in) throw RenderError(fmt::format("cannot read {}", path.string()));
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string_view t = Trim(line);
    if (t.empty() || t.front() == '#') continue;
    const auto eq = t.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == t.size()) {
      throw RenderError(fmt::format("{}:{}: expected agent=password", path.string(), line_no));
    }
    out[std::string(Trim(t.substr(0, eq)))] = std::string(t.substr(eq + 1));
  }
  return out;
}

AgentSecrets LoadAgentPasswords(const core::Config& cfg, const std::vector<std::string>& agents,
                                bool generate_secrets, std::vector<std::string>& notes) {
  AgentSecrets s;
  if (cfg.GetString("asterisk.agent_password_source") == "generate") {
    for (const auto& a : agents) s.passwords[a] = RandomSecret(20);
    s.generated = agents;
    notes.push_back(
        "asterisk.agent_password_source = generate: new agent SIP passwords, only in the 0600 "
        "output files");
    return s;
  }
  const fs::path path = cfg.GetString("asterisk.agent_password_file");
  if (path.empty()) {
    throw RenderError(fmt::format("{} is empty", SettingLabel("asterisk.agent_password_file")));
  }
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (exists) {
    s.passwords = ReadPasswordFile(path);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      notes.push_back(
          fmt::format("warning: {} is readable by group or others (chmod 600 it)", path.string()));
    }
  }
  std::vector<std::string> missing;
  for (const auto& a : agents) {
    auto it = s.passwords.find(a);
    if (it == s.passwords.end() || it->second.empty()) missing.push_back(a);
  }
  if (missing.empty()) return s;
  if (!generate_secrets) {
    throw RenderError(fmt::format(
        "no SIP password for agent(s) {} in {} ({}): add `{}=<password>` lines, or run with "
        "--generate-secrets to create them",
        fmt::join(missing, ", "), path.string(), SettingLabel("asterisk.agent_password_file"),
        missing.front()));
  }
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw RenderError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
  std::string lines = exists ? "" : "# aicc agent SIP passwords (agent=password), mode 0600\n";
  for (const auto& a : missing) {
    s.passwords[a] = RandomSecret(20);
    lines += a + "=" + s.passwords[a] + "\n";
  }
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size());
  ::close(fd);
  if (!ok) throw RenderError(fmt::format("cannot write {}", path.string()));
  s.generated = missing;
  notes.push_back(fmt::format("generated SIP passwords for {}: appended to {} (mode 0600)",
                              fmt::join(missing, ", "), path.string()));
  return s;
}

struct Options {
  std::string out;
  std::string templates;
  std::string seed_sql;  // "", "postgres" or "mysql"
  bool generate_secrets = false;
};

constexpr std::string_view kEchoExtension = "600";

// Everything the templates may use, from the settings. Throws RenderError
// naming the setting on anything missing or unsafe.
Context BuildContext(const core::Config& cfg, const Options& opt, std::vector<std::string>& notes,
                     bool& ari_password_generated) {
  Context c;
  auto text = [&](const std::string& key, const std::string& setting) -> std::string& {
    const std::string& v = cfg.GetString(setting);
    CheckNoControl(SettingLabel(setting), v);
    return c.text[key] = v;
  };
  c.text["sip_port"] = std::to_string(cfg.GetInt("asterisk.sip_port"));
  c.text["tls_port"] = std::to_string(cfg.GetInt("asterisk.sip_tls_port"));
  c.flags["tls"] = cfg.GetBool("asterisk.sip_tls");
  text("tls_cert", "asterisk.sip_tls_cert");
  text("tls_key", "asterisk.sip_tls_key");
  if (c.flags["tls"] && (c.text["tls_cert"].empty() || c.text["tls_key"].empty())) {
    throw RenderError(fmt::format("{} is on: set {} and {}", SettingLabel("asterisk.sip_tls"),
                                  SettingLabel("asterisk.sip_tls_cert"),
                                  SettingLabel("asterisk.sip_tls_key")));
  }
  if (c.flags["tls"] && cfg.GetInt("asterisk.sip_tls_port") == cfg.GetInt("asterisk.sip_port")) {
    throw RenderError("asterisk.sip_tls_port and asterisk.sip_port must differ");
  }
  for (const char* s : {"asterisk.external_media_address", "asterisk.external_signaling_address"}) {
    CheckHost(SettingLabel(s), cfg.GetString(s));
  }
  c.text["external_media_address"] = cfg.GetString("asterisk.external_media_address");
  c.text["external_signaling_address"] = cfg.GetString("asterisk.external_signaling_address");
  List& nets = c.lists["local_net"];
  nets.keys = {"."};
  for (const auto& n : cfg.GetList("asterisk.local_net")) {
    CheckHost(SettingLabel("asterisk.local_net"), n);
    nets.items.push_back(Context{{{".", n}}, {}, {}});
  }

  // Upstream registration.
  const std::string& server = cfg.GetString("asterisk.upstream_server");
  c.flags["upstream"] = !server.empty();
  text("upstream_server", "asterisk.upstream_server");
  text("upstream_user", "asterisk.upstream_user");
  text("upstream_password", "asterisk.upstream_password");
  text("upstream_domain", "asterisk.upstream_domain");
  c.text["upstream_host"] = "";
  c.text["upstream_transport"] = "transport-udp";
  if (!server.empty()) {
    if (server.rfind("sip:", 0) != 0 && server.rfind("sips:", 0) != 0) {
      throw RenderError(fmt::format("{} = '{}': expected a SIP URI such as sip:sip.example.com",
                                    SettingLabel("asterisk.upstream_server"), server));
    }
    if (server.rfind("sips:", 0) == 0) {
      if (!c.flags["tls"]) {
        throw RenderError(fmt::format("{} = '{}' is a sips: URI: turn on {}",
                                      SettingLabel("asterisk.upstream_server"), server,
                                      SettingLabel("asterisk.sip_tls")));
      }
      c.text["upstream_transport"] = "transport-tls";
    }
    c.text["upstream_host"] = HostOfUri(server);
    CheckHost(SettingLabel("asterisk.upstream_server"), c.text["upstream_host"]);
    if (c.text["upstream_host"].empty()) {
      throw RenderError(
          fmt::format("{} = '{}' has no host", SettingLabel("asterisk.upstream_server"), server));
    }
    for (const char* s : {"asterisk.upstream_user", "asterisk.upstream_password"}) {
      if (cfg.GetString(s).empty()) {
        throw RenderError(fmt::format("{} is set: {} is required too",
                                      SettingLabel("asterisk.upstream_server"), SettingLabel(s)));
      }
    }
    CheckName(SettingLabel("asterisk.upstream_user"), cfg.GetString("asterisk.upstream_user"));
    if (c.text["upstream_domain"].empty()) c.text["upstream_domain"] = c.text["upstream_host"];
    CheckHost(SettingLabel("asterisk.upstream_domain"), c.text["upstream_domain"]);
  }
  c.flags["anonymous"] = cfg.GetBool("asterisk.anonymous");

  // Codecs: Opus only when asked for (modules.conf then requires codec_opus).
  const bool opus = cfg.GetBool("asterisk.opus");
  c.flags["opus"] = opus;
  c.text["customer_codecs"] = std::string("alaw,ulaw,gsm") + (opus ? ",opus" : "");
  c.text["agent_codecs"] = std::string(cfg.GetBool("asterisk.g722") ? "g722," : "") +
                           "alaw,ulaw,gsm" + (opus ? ",opus" : "");

  // Realtime.
  const std::string& realtime = cfg.GetString("asterisk.realtime");
  c.text["realtime"] = realtime;
  c.flags["realtime_odbc"] = realtime != "none";
  c.flags["static_agents"] = realtime == "none";
  c.text["sql_dialect"] = realtime == "odbc-mysql" ? "mysql" : "postgres";
  c.text["odbc_driver_hint"] = realtime == "odbc-mysql" ? "MariaDB/MySQL ODBC" : "PostgreSQL ODBC";
  text("odbc_dsn", "asterisk.odbc_dsn");
  text("odbc_user", "asterisk.odbc_user");
  text("odbc_password", "asterisk.odbc_password");
  if (realtime != "none") {
    CheckName(SettingLabel("asterisk.odbc_dsn"), c.text["odbc_dsn"]);
    CheckName(SettingLabel("asterisk.odbc_user"), c.text["odbc_user"]);
    if (c.text["odbc_password"].empty()) {
      throw RenderError(fmt::format("{} = {}: {} is required (res_odbc.conf)",
                                    SettingLabel("asterisk.realtime"), realtime,
                                    SettingLabel("asterisk.odbc_password")));
    }
  }

  // ARI and HTTP.
  text("app", "ari.app");
  CheckName(SettingLabel("ari.app"), c.text["app"]);
  text("ari_username", "ari.username");
  if (c.text["ari_username"].empty()) {
    throw RenderError(fmt::format("{} is not set: ari.conf needs the ARI user aicc logs in as",
                                  SettingLabel("ari.username")));
  }
  CheckName(SettingLabel("ari.username"), c.text["ari_username"]);
  text("ari_password", "ari.password");
  if (c.text["ari_password"].empty()) {
    if (!opt.generate_secrets) {
      throw RenderError(
          fmt::format("{} is not set: ari.conf needs it. Set it (e.g. ARI_PASSWORD=... in "
                      "/etc/aicc/aicc.env) or run with --generate-secrets",
                      SettingLabel("ari.password")));
    }
    c.text["ari_password"] = RandomSecret(32);
    ari_password_generated = true;
  }
  std::vector<std::string> origins = cfg.GetList("asterisk.ari_allowed_origins");
  for (const auto& o : origins) CheckNoControl(SettingLabel("asterisk.ari_allowed_origins"), o);
  c.text["allowed_origins"] = fmt::format("{}", fmt::join(origins, ","));
  const std::string& http = cfg.GetString("asterisk.http_bind");
  const auto colon = http.rfind(':');
  c.text["http_address"] = http.substr(0, colon);
  c.text["http_port"] = http.substr(colon + 1);
  CheckHost(SettingLabel("asterisk.http_bind"), c.text["http_address"]);
  const std::string& http_address = c.text["http_address"];
  if (http_address.rfind("127.", 0) != 0 && http_address != "::1" && http_address != "[::1]" &&
      http_address != "localhost") {
    notes.push_back(fmt::format(
        "warning: {} = {}: ARI is reachable beyond loopback; firewall it (docs/security.md)",
        SettingLabel("asterisk.http_bind"), http));
  }
  if (c.flags["anonymous"]) {
    notes.push_back(
        fmt::format("warning: {} is on: any unauthenticated SIP caller reaches Stasis({})",
                    SettingLabel("asterisk.anonymous"), c.text["app"]));
  }

  // RTP.
  const auto rtp_start = cfg.GetInt("asterisk.rtp_start");
  const auto rtp_end = cfg.GetInt("asterisk.rtp_end");
  if (rtp_start >= rtp_end) {
    throw RenderError(fmt::format("{} ({}) must be below {} ({})",
                                  SettingLabel("asterisk.rtp_start"), rtp_start,
                                  SettingLabel("asterisk.rtp_end"), rtp_end));
  }
  c.text["rtp_start"] = std::to_string(rtp_start);
  c.text["rtp_end"] = std::to_string(rtp_end);
  c.text["strictrtp"] = cfg.GetString("asterisk.strictrtp");
  c.text["echo_extension"] = std::string(kEchoExtension);

  // Agents.
  const std::vector<std::string> agents = cfg.GetList("ari.agents");
  if (agents.empty()) throw RenderError(fmt::format("{} is empty", SettingLabel("ari.agents")));
  std::set<std::string> seen;
  for (const auto& a : agents) {
    CheckName(SettingLabel("ari.agents"), a);
    if (!seen.insert(a).second) {
      throw RenderError(fmt::format("{}: '{}' is listed twice", SettingLabel("ari.agents"), a));
    }
    if (a == kEchoExtension || a == "upstream" || a == "anonymous" ||
        a.rfind("transport-", 0) == 0) {
      throw RenderError(fmt::format("{}: '{}' is a reserved name", SettingLabel("ari.agents"), a));
    }
  }
  const bool need_passwords = realtime == "none" || !opt.seed_sql.empty();
  AgentSecrets secrets;
  if (need_passwords) secrets = LoadAgentPasswords(cfg, agents, opt.generate_secrets, notes);
  std::string dial;
  for (const auto& a : agents) dial += (dial.empty() ? "PJSIP/" : "&PJSIP/") + a;
  c.text["agent_dial_string"] = dial;
  c.text["agent_dial_timeout"] = std::to_string(cfg.GetInt("ari.agent_dial_timeout_sec"));
  List& list = c.lists["agents"];
  list.keys = {"name", "password"};
  for (const auto& a : agents) {
    std::string pw = need_passwords ? secrets.passwords[a] : "";
    CheckNoControl(fmt::format("password of {}", a), pw);
    list.items.push_back(Context{{{"name", a}, {"password", pw}}, {}, {}});
  }
  return c;
}

// ---------------------------------------------------------------------------
// Files.

fs::path ExecutableDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

fs::path FindTemplates(const std::string& flag) {
  std::vector<fs::path> candidates;
  if (!flag.empty()) {
    candidates.emplace_back(flag);
  } else {
    const fs::path bin = ExecutableDir();
    if (!bin.empty()) {
      candidates.push_back(bin / "../share/aicc/asterisk/templates");
      candidates.push_back(bin / "../asterisk/templates");
    }
    const fs::path source = fs::path(__FILE__).parent_path().parent_path().parent_path();
    if (source.is_absolute()) candidates.push_back(source / "asterisk/templates");
  }
  for (const auto& dir : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(dir / "pjsip.conf", ec)) return fs::weakly_canonical(dir, ec);
  }
  std::string tried;
  for (const auto& d : candidates) tried += "\n  " + d.lexically_normal().string();
  throw RenderError("Asterisk templates not found (pass --templates DIR); looked in:" + tried);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RenderError(fmt::format("cannot read template {}", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `content` to `path` with exactly `mode`, atomically.
void WriteFile(const fs::path& path, const std::string& content, mode_t mode) {
  const fs::path tmp = path.string() + ".aicc-tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    throw RenderError(fmt::format("cannot create {}: {}", tmp.string(), std::strerror(errno)));
  }
  bool ok = ::fchmod(fd, mode) == 0;  // the umask may have taken bits away
  std::size_t done = 0;
  while (ok && done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw RenderError(fmt::format("cannot write {}: {}", path.string(), std::strerror(err)));
  }
}

struct Output {
  std::string name;
  mode_t mode;
  std::string content;
};

int Run(const ConfigFlags& flags, const Options& opt) {
  const core::Config cfg = flags.Load();
  std::vector<std::string> notes;
  bool ari_generated = false;
  const Context ctx = BuildContext(cfg, opt, notes, ari_generated);
  const fs::path templates = FindTemplates(opt.templates);

  struct Spec {
    const char* name;
    mode_t mode;
  };
  std::vector<Spec> specs = {{"pjsip.conf", 0600}, {"extensions.conf", 0640},
                             {"ari.conf", 0600},   {"http.conf", 0640},
                             {"rtp.conf", 0640},   {"modules.conf", 0640}};
  if (cfg.GetString("asterisk.realtime") != "none") {
    specs.push_back({"sorcery.conf", 0640});
    specs.push_back({"extconfig.conf", 0640});
    specs.push_back({"res_odbc.conf", 0600});
  }
  // Render everything before writing anything.
  std::vector<Output> outputs;
  for (const auto& s : specs) {
    outputs.push_back(
        {s.name, s.mode,
         RenderTemplate(ReadFile(templates / s.name), s.name, ctx, EscapeConfigValue)});
  }
  if (!opt.seed_sql.empty()) {
    const std::string name = "seed-" + opt.seed_sql + ".sql";
    outputs.push_back(
        {name, 0600,
         RenderTemplate(ReadFile(templates / name), name, ctx,
                        opt.seed_sql == "mysql" ? EscapeSqlMysql : EscapeSqlPostgres)});
  }
  if (ari_generated) {
    const std::string env = fmt::format(
        "# Generated by aicc asterisk-config: the ARI credentials in ari.conf.\n"
        "# Put these lines into /etc/aicc/aicc.env (mode 0600) so aicc can log in.\n"
        "ARI_USERNAME={}\nARI_PASSWORD={}\n",
        ctx.text.at("ari_username"), ctx.text.at("ari_password"));
    outputs.push_back({"aicc-ari.env", 0600, env});
  }

  const fs::path out = opt.out;
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) {
    throw RenderError(fmt::format("cannot create output directory {}: {}", out.string(),
                                  ec ? ec.message() : "not a directory"));
  }
  for (const auto& o : outputs) {
    WriteFile(out / o.name, o.content, o.mode);
    fmt::print("wrote {} (mode {:04o})\n", (out / o.name).string(), o.mode);
  }
  fmt::print("templates: {}\n", templates.string());
  if (ari_generated) {
    notes.push_back(fmt::format(
        "generated the ARI password of '{}': it is only in {} and {} (mode 0600); copy "
        "ARI_PASSWORD from the latter into /etc/aicc/aicc.env",
        ctx.text.at("ari_username"), (out / "ari.conf").string(), (out / "aicc-ari.env").string()));
  }
  for (const auto& n : notes) fmt::print("note: {}\n", n);
  return 0;
}

}  // namespace

void AddAsteriskConfigCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "asterisk-config",
      "Render the Asterisk configuration (pjsip, extensions, ari, http, rtp, modules, realtime) "
      "from the settings");
  auto flags = std::make_shared<ConfigFlags>();
  auto opt = std::make_shared<Options>();
  flags->AddTo(*cmd);
  cmd->add_option("--out", opt->out, "Directory to write the files to (created if missing)")
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
  cmd->callback([flags, opt, &exit_code] {
    try {
      exit_code = Run(*flags, *opt);
    } catch (const RenderError& e) {
      fmt::print(stderr, "aicc asterisk-config: error: {}\n", e.what());
      exit_code = 2;
    } catch (const core::ConfigError& e) {
      fmt::print(stderr, "aicc asterisk-config: error: {}\n", e.what());
      exit_code = 2;
    } catch (const fs::filesystem_error& e) {
      fmt::print(stderr, "aicc asterisk-config: error: {}\n", e.what());
      exit_code = 1;
    }
  });
}

}  // namespace aicc::app
