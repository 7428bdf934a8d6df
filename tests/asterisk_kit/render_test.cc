// The whole kit: asterisk_kit::Render over the real templates
// (asterisk/templates/) with the golden settings in golden/*.toml.
//
// The golden files were first written by the hand-written engine this module
// replaced, so they pin the mustache rendering to the same bytes; only
// musiconhold.conf is new. After a deliberate template change, regenerate
// with AICC_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "asterisk_kit/asterisk_kit.h"
#include "core/config.h"

namespace aicc::asterisk_kit {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = AICC_SOURCE_DIR;
const fs::path kGolden = kSource / "tests/asterisk_kit/golden";
const fs::path kTemplates = kSource / "asterisk/templates";

struct Case {
  const char* name;  // golden/<name>.toml, golden/<name>/
  const char* seed_sql;
};
const Case kCases[] = {
    {"default", ""}, {"realtime-postgres", "postgres"}, {"realtime-mysql", "mysql"}};

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const File* Find(const Rendering& r, std::string_view name) {
  for (const auto& f : r.files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

class RenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("aicc_asterisk_kit_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    // A private 0600 copy: the render must not warn about its mode, nor touch the original.
    passwords_ = tmp_ / "agent-passwords";
    fs::copy_file(kGolden / "agent-passwords", passwords_);
    fs::permissions(passwords_, fs::perms::owner_read | fs::perms::owner_write);
    moh_ = tmp_ / "moh";
    fs::create_directories(moh_);
    std::ofstream(moh_ / "hold.gsm") << "x";
  }
  void TearDown() override { fs::remove_all(tmp_); }

  // Settings of golden/<toml>.toml, the private password file, and `extra`.
  core::Config Load(const std::string& toml, std::map<std::string, std::string> extra = {}) {
    extra.emplace("asterisk.agent_password_file", passwords_.string());
    return core::Config::Load(extra, {}, (kGolden / (toml + ".toml")).string());
  }
  Rendering Render(const core::Config& cfg, const std::string& seed_sql = "",
                   bool generate = false) {
    return asterisk_kit::Render(cfg, Options{.templates = kTemplates.string(),
                                             .seed_sql = seed_sql,
                                             .generate_secrets = generate});
  }

  fs::path tmp_;
  fs::path passwords_;
  fs::path moh_;
};

// Every file of every golden case, byte for byte.
TEST_F(RenderTest, MatchesGoldenFiles) {
  const bool update = std::getenv("AICC_UPDATE_GOLDEN") != nullptr;
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    // The golden musiconhold.conf names the Debian folder, wherever the test runs.
    const Rendering r = Render(Load(c.name), c.seed_sql);
    const fs::path dir = kGolden / c.name;
    std::set<std::string> want;
    for (const auto& e : fs::directory_iterator(dir)) want.insert(e.path().filename().string());
    std::set<std::string> got;
    for (const auto& f : r.files) {
      got.insert(f.name);
      if (update) {
        std::ofstream(dir / f.name, std::ios::binary) << f.content;
        continue;
      }
      EXPECT_EQ(f.content, Slurp(dir / f.name)) << f.name << " differs from " << dir / f.name;
    }
    if (!update) {
      EXPECT_EQ(got, want);
    }
  }
}

// Each secret is only in the files that must hold them, those are 0600, and
// no note carries a secret.
TEST_F(RenderTest, SecretsOnlyWhereTheyMustBe) {
  struct Secret {
    const char* text;  // a part that no escaping changes
    std::set<std::string> files;
  };
  const struct {
    const char* toml;
    const char* seed;
    std::vector<Secret> secrets;
  } rows[] = {
      {"default",
       "",
       {{"GoldenAriSecret", {"ari.conf"}},
        {"Agent01Secret", {"pjsip.conf"}},
        {"Agent02Secret", {"pjsip.conf"}}}},
      {"realtime-postgres",
       "postgres",
       {{"GoldenAriSecret", {"ari.conf"}},
        {"GoldenUpstreamSecret", {"pjsip.conf"}},
        {"GoldenOdbcSecret", {"res_odbc.conf"}},
        {"Agent01Secret", {"seed-postgres.sql"}},
        {"Agent03Secret", {"seed-postgres.sql"}}}},
      // Realtime without --seed-sql: the agents' passwords are in no file.
      {"realtime-mysql",
       "",
       {{"GoldenAriSecret", {"ari.conf"}},
        {"GoldenUpstreamSecret", {"pjsip.conf"}},
        {"GoldenOdbcSecret", {"res_odbc.conf"}},
        {"Agent01Secret", {}}}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.toml);
    const Rendering r = Render(Load(row.toml), row.seed);
    for (const auto& s : row.secrets) {
      std::set<std::string> holders;
      for (const auto& f : r.files) {
        if (f.content.find(s.text) != std::string::npos) {
          holders.insert(f.name);
          EXPECT_EQ(f.mode, 0600u) << f.name << " holds " << s.text;
        }
      }
      EXPECT_EQ(holders, s.files) << s.text;
      for (const auto& n : r.notes) EXPECT_EQ(n.find(s.text), std::string::npos) << n;
    }
  }
}

TEST_F(RenderTest, SecretsAreEscapedNotHtmlEscaped) {
  const Rendering r = Render(Load("default"));
  const std::string& ari = Find(r, "ari.conf")->content;
  EXPECT_NE(ari.find("\npassword=GoldenAriSecret\\;&<x>\n"), std::string::npos) << ari;
  const std::string& pjsip = Find(r, "pjsip.conf")->content;
  EXPECT_NE(pjsip.find("\npassword=Agent01Secret\\;x&<y>\n"), std::string::npos) << pjsip;
  EXPECT_EQ(pjsip.find("&amp;"), std::string::npos);
  EXPECT_EQ(pjsip.find("&lt;"), std::string::npos);

  const Rendering pg = Render(Load("realtime-postgres"), "postgres");
  const std::string& seed = Find(pg, "seed-postgres.sql")->content;
  EXPECT_NE(seed.find("'Agent02Secret''q\\z'"), std::string::npos) << seed;
  EXPECT_NE(seed.find("'Agent01Secret;x&<y>'"), std::string::npos) << seed;
  EXPECT_NE(Find(pg, "res_odbc.conf")->content.find("password => GoldenOdbcSecret'\\\n"),
            std::string::npos);
  const Rendering my = Render(Load("realtime-mysql"), "mysql");
  EXPECT_NE(Find(my, "seed-mysql.sql")->content.find("'Agent02Secret''q\\\\z'"), std::string::npos);
}

TEST_F(RenderTest, GeneratedAriPasswordOnlyInItsTwoFiles) {
  const Rendering r = Render(Load("default", {{"ari.password", ""}}), "", true);
  ASSERT_TRUE(r.ari_password_generated);
  EXPECT_EQ(r.ari_username, "aicc");
  const File* env = Find(r, "aicc-ari.env");
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->mode, 0600u);
  const auto at = env->content.find("ARI_PASSWORD=");
  ASSERT_NE(at, std::string::npos);
  const std::string pw = env->content.substr(at + 13, 32);
  EXPECT_TRUE(std::regex_match(pw, std::regex("[A-Za-z0-9]{32}"))) << pw;
  for (const auto& f : r.files) {
    const bool holds = f.content.find(pw) != std::string::npos;
    EXPECT_EQ(holds, f.name == "ari.conf" || f.name == "aicc-ari.env") << f.name;
  }
  for (const auto& n : r.notes) EXPECT_EQ(n.find(pw), std::string::npos) << n;
  // Without --generate-secrets: refused, naming the setting.
  try {
    Render(Load("default", {{"ari.password", ""}}));
    ADD_FAILURE() << "rendered without an ARI password";
  } catch (const RenderError& e) {
    EXPECT_NE(std::string(e.what()).find("ari.password (ARI_PASSWORD)"), std::string::npos);
  }
}

TEST_F(RenderTest, MusicOnHoldClasses) {
  const auto classes = [](const Rendering& r) {
    const std::string& moh = Find(r, "musiconhold.conf")->content;
    std::vector<std::string> out;
    std::smatch m;
    for (auto it = moh.cbegin();
         std::regex_search(it, moh.cend(), m, std::regex(R"(\n\[([^\]]+)\]\n)"));
         it = m[0].second - 1) {
      out.push_back(m[1]);
    }
    return out;
  };
  const Rendering r = Render(Load("default", {{"asterisk.moh_directory", moh_.string()}}));
  EXPECT_EQ(classes(r), (std::vector<std::string>{"general", "default", "queue-music"}));
  const std::string& moh = Find(r, "musiconhold.conf")->content;
  EXPECT_NE(moh.find("[default]\nmode=files\ndirectory=" + moh_.string() + "\n"), std::string::npos)
      << moh;
  EXPECT_NE(moh.find("[queue-music]\nmode=files\ndirectory=" + moh_.string() + "\n"),
            std::string::npos)
      << moh;
  EXPECT_EQ(Find(r, "musiconhold.conf")->mode, 0640u);
  for (const auto& n : r.notes) EXPECT_EQ(n.find("silence"), std::string::npos) << n;

  // ari.moh_class unset or "default": one class.
  EXPECT_EQ(classes(Render(Load("realtime-postgres"), "postgres")),
            (std::vector<std::string>{"general", "default"}));
  EXPECT_EQ(classes(Render(Load("realtime-mysql"))),
            (std::vector<std::string>{"general", "default"}));

  // No playable file: rendered, with a warning naming the setting.
  fs::remove(moh_ / "hold.gsm");
  std::ofstream(moh_ / "song.mp3") << "x";
  const Rendering quiet = Render(Load("default", {{"asterisk.moh_directory", moh_.string()}}));
  bool warned = false;
  for (const auto& n : quiet.notes) {
    warned |= n.find("asterisk.moh_directory (AICC_MOH_DIRECTORY)") != std::string::npos &&
              n.find("silence") != std::string::npos && n.find(".mp3") != std::string::npos;
  }
  EXPECT_TRUE(warned);

  // A class name becomes a section name; a relative folder means nothing to a check.
  EXPECT_THROW(Render(Load("default", {{"ari.moh_class", "a]b"}})), RenderError);
  EXPECT_THROW(Render(Load("default", {{"asterisk.moh_directory", "moh"}})), RenderError);
}

// Asterisk 22 loads no res_ari_* without res_websocket_client, and no
// chan_rtp (ExternalMedia) without res_rtp_multicast; hold music needs
// res_musiconhold and the format of the Debian files.
TEST_F(RenderTest, ModulesAsterisk22Needs) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    const Rendering r = Render(Load(c.name), c.seed_sql);
    const std::string& mods = Find(r, "modules.conf")->content;
    EXPECT_NE(mods.find("\nautoload=no\n"), std::string::npos);
    for (const char* m :
         {"res_websocket_client", "res_rtp_multicast", "res_http_websocket", "res_ari",
          "res_stasis", "res_stasis_snoop", "app_stasis", "chan_rtp", "res_musiconhold",
          "format_gsm", "format_wav", "res_pjsip", "chan_pjsip", "res_rtp_asterisk"}) {
      EXPECT_NE(mods.find(std::string("\nload => ") + m + ".so\n"), std::string::npos) << m;
    }
  }
}

// In the dialplan ';' starts a comment wherever it stands, also inside an
// application's parentheses: `NoOp(ring every agent; STASISSTATUS=...)`
// silently cut the line. Returns "line: text" for each unescaped ';' inside
// parentheses, and for each application line whose parentheses do not close.
std::vector<std::string> SemicolonsInsideArguments(const std::string& dialplan) {
  std::vector<std::string> bad;
  std::istringstream in(dialplan);
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    int depth = 0;
    bool comment = false;
    for (std::size_t i = 0; i < line.size() && !comment; ++i) {
      if (line[i] == ';' && (i == 0 || line[i - 1] != '\\')) {
        if (depth > 0) bad.push_back(std::to_string(line_no) + ": " + line);
        comment = true;
      } else if (line[i] == '(') {
        ++depth;
      } else if (line[i] == ')') {
        --depth;
      }
    }
    if (!comment && depth != 0) bad.push_back(std::to_string(line_no) + ": " + line);
  }
  return bad;
}

TEST(DialplanCheckTest, CatchesTheCommentInsideNoOp) {
  EXPECT_EQ(SemicolonsInsideArguments(
                "; a comment (with; this)\n"
                "exten => s,1,NoOp(ring every agent: STASISSTATUS=${STASISSTATUS})\n"
                " same => n,Dial(PJSIP/a&PJSIP/b,30) ; trailing comment\n"
                " same => n,Set(X=a\\;b)\n"),
            std::vector<std::string>{});
  EXPECT_EQ(SemicolonsInsideArguments(
                "exten => s,1,NoOp(ring every agent; STASISSTATUS=${STASISSTATUS})\n"),
            std::vector<std::string>{
                "1: exten => s,1,NoOp(ring every agent; STASISSTATUS=${STASISSTATUS})"});
}

TEST_F(RenderTest, DialplanHasNoSemicolonInsideArguments) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    const Rendering r = Render(Load(c.name), c.seed_sql);
    const std::string& dialplan = Find(r, "extensions.conf")->content;
    EXPECT_EQ(SemicolonsInsideArguments(dialplan), std::vector<std::string>{});
    EXPECT_NE(dialplan.find("Stasis("), std::string::npos);
  }
}

TEST_F(RenderTest, WriteFilesSetsExactModes) {
  const Rendering r = Render(Load("default"));
  const mode_t old = ::umask(077);
  WriteFiles(tmp_ / "out/etc", r.files);
  ::umask(old);
  for (const auto& f : r.files) {
    struct stat st {};
    ASSERT_EQ(::stat((tmp_ / "out/etc" / f.name).c_str(), &st), 0) << f.name;
    EXPECT_EQ(st.st_mode & 0777, f.mode) << f.name;
    EXPECT_EQ(Slurp(tmp_ / "out/etc" / f.name), f.content) << f.name;
    EXPECT_FALSE(fs::exists(tmp_ / "out/etc" / (f.name + ".aicc-tmp")));
  }
  std::ofstream(tmp_ / "file") << "x";
  EXPECT_THROW(WriteFiles(tmp_ / "file", r.files), RenderError);
}

}  // namespace
}  // namespace aicc::asterisk_kit
