#include "asterisk_kit/internal/context.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <set>

#include "asterisk_kit/internal/moh.h"
#include "asterisk_kit/internal/secrets.h"
#include "asterisk_kit/internal/values.h"

namespace aicc::asterisk_kit::internal {
namespace {

// Transports, the upstream registration and hold music.
void AddSip(const core::Config& cfg, Context& c) {
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
}

// PJSIP realtime over ODBC.
void AddRealtime(const core::Config& cfg, Context& c) {
  const std::string& realtime = cfg.GetString("asterisk.realtime");
  c.text["realtime"] = realtime;
  c.flags["realtime_odbc"] = realtime != "none";
  c.flags["static_agents"] = realtime == "none";
  c.text["sql_dialect"] = realtime == "odbc-mysql" ? "mysql" : "postgres";
  c.text["odbc_driver_hint"] = realtime == "odbc-mysql" ? "MariaDB/MySQL ODBC" : "PostgreSQL ODBC";
  for (const auto& [key, setting] : {std::pair{"odbc_dsn", "asterisk.odbc_dsn"},
                                     {"odbc_user", "asterisk.odbc_user"},
                                     {"odbc_password", "asterisk.odbc_password"}}) {
    CheckNoControl(SettingLabel(setting), cfg.GetString(setting));
    c.text[key] = cfg.GetString(setting);
  }
  if (realtime != "none") {
    CheckName(SettingLabel("asterisk.odbc_dsn"), c.text["odbc_dsn"]);
    CheckName(SettingLabel("asterisk.odbc_user"), c.text["odbc_user"]);
    if (c.text["odbc_password"].empty()) {
      throw RenderError(fmt::format("{} = {}: {} is required (res_odbc.conf)",
                                    SettingLabel("asterisk.realtime"), realtime,
                                    SettingLabel("asterisk.odbc_password")));
    }
  }
}

// ARI user, Asterisk's HTTP server, RTP range.
void AddAriHttpRtp(const core::Config& cfg, const Options& options, Context& c,
                   std::vector<std::string>& notes, bool& ari_password_generated) {
  c.text["app"] = cfg.GetString("ari.app");
  CheckName(SettingLabel("ari.app"), c.text["app"]);
  c.text["ari_username"] = cfg.GetString("ari.username");
  if (c.text["ari_username"].empty()) {
    throw RenderError(fmt::format("{} is not set: ari.conf needs the ARI user aicc logs in as",
                                  SettingLabel("ari.username")));
  }
  CheckName(SettingLabel("ari.username"), c.text["ari_username"]);
  c.text["ari_password"] = cfg.GetString("ari.password");
  CheckNoControl(SettingLabel("ari.password"), c.text["ari_password"]);
  if (c.text["ari_password"].empty()) {
    if (!options.generate_secrets) {
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
}

// musiconhold.conf: the class "default" and the one aicc asks for
// (ari.moh_class), each playing the files of asterisk.moh_directory.
void AddMusicOnHold(const core::Config& cfg, Context& c, std::vector<std::string>& notes) {
  const std::string& dir = cfg.GetString("asterisk.moh_directory");
  const std::string label = SettingLabel("asterisk.moh_directory");
  CheckNoControl(label, dir);
  if (!std::filesystem::path(dir).is_absolute()) {
    throw RenderError(fmt::format("{} = '{}': must be an absolute path", label, dir));
  }
  c.text["moh_directory"] = dir;
  List& classes = c.lists["moh_classes"];
  classes.keys = {"name"};
  classes.items.push_back(Context{{{"name", "default"}}, {}, {}});
  const std::string& wanted = cfg.GetString("ari.moh_class");
  if (!wanted.empty() && wanted != "default") {
    CheckName(SettingLabel("ari.moh_class"), wanted);
    classes.items.push_back(Context{{{"name", wanted}}, {}, {}});
  }
  if (auto warning = CheckMohDirectory(dir, label)) notes.push_back(*warning);
}

// The agent pool, its dial string and (when a file needs them) passwords.
void AddAgents(const core::Config& cfg, const Options& options, Context& c,
               std::vector<std::string>& notes) {
  c.text["echo_extension"] = std::string(kEchoExtension);
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
  // pjsip.conf holds the passwords without realtime; the seed SQL with it.
  const bool need_passwords =
      cfg.GetString("asterisk.realtime") == "none" || !options.seed_sql.empty();
  AgentSecrets secrets;
  if (need_passwords) {
    secrets = LoadAgentPasswords(cfg, agents, options.generate_secrets, notes);
  }
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
}

}  // namespace

Context BuildContext(const core::Config& cfg, const Options& options,
                     std::vector<std::string>& notes, bool& ari_password_generated) {
  Context c;
  AddSip(cfg, c);
  AddRealtime(cfg, c);
  AddAriHttpRtp(cfg, options, c, notes, ari_password_generated);
  AddMusicOnHold(cfg, c, notes);
  AddAgents(cfg, options, c, notes);
  return c;
}

}  // namespace aicc::asterisk_kit::internal
