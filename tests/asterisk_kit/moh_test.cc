#include "asterisk_kit/internal/moh.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace aicc::asterisk_kit::internal {
namespace {

namespace fs = std::filesystem;

TEST(MohTest, PlayableExtensions) {
  for (const char* f : {"macroform-robot_dity.gsm", "a.wav", "b.WAV", "c.ulaw", "d.alaw", "e.sln",
                        "f.sln16", "g.g722", "h.wav16", "i.ul", "j.al"}) {
    EXPECT_TRUE(IsPlayableAudio(f)) << f;
  }
  for (const char* f : {"song.mp3", "song.ogg", "README", "gsm", ".gsm", "x.gsm.txt", "x.Gsm"}) {
    EXPECT_FALSE(IsPlayableAudio(f)) << f;
  }
}

class MohDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("aicc_moh_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Touch(const std::string& name) { std::ofstream(dir_ / name) << "x"; }
  fs::path dir_;
};

TEST_F(MohDirTest, WarnsWhenNothingPlays) {
  auto w = CheckMohDirectory(dir_, "asterisk.moh_directory (AICC_MOH_DIRECTORY)");
  ASSERT_TRUE(w);
  EXPECT_NE(w->find("asterisk.moh_directory (AICC_MOH_DIRECTORY)"), std::string::npos) << *w;
  EXPECT_NE(w->find("silence"), std::string::npos) << *w;
  EXPECT_NE(w->find("asterisk-moh-opsound-gsm"), std::string::npos) << *w;

  Touch("song.mp3");
  fs::create_directories(dir_ / "sub.gsm");  // a directory is not a file
  w = CheckMohDirectory(dir_, "moh");
  ASSERT_TRUE(w);
  EXPECT_NE(w->find(".mp3"), std::string::npos) << *w;

  Touch("hold.gsm");
  EXPECT_FALSE(CheckMohDirectory(dir_, "moh"));
}

TEST_F(MohDirTest, WarnsWhenMissing) {
  auto w = CheckMohDirectory(dir_ / "absent", "moh");
  ASSERT_TRUE(w);
  EXPECT_NE(w->find("is not a directory"), std::string::npos) << *w;
}

}  // namespace
}  // namespace aicc::asterisk_kit::internal
