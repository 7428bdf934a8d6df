#include "core/data_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace aicc::core {
namespace {

namespace fs = std::filesystem;

class DataFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("aicc-data-file-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "src" / "models");
    fs::create_directories(root_ / "elsewhere");
    std::ofstream(root_ / "src" / "models" / "m.onnx") << "x";
    old_cwd_ = fs::current_path();
  }
  void TearDown() override {
    fs::current_path(old_cwd_);
    fs::remove_all(root_);
  }
  fs::path root_;
  fs::path old_cwd_;
};

TEST_F(DataFileTest, ARelativeNameIsFoundFromAnyWorkingDirectory) {
  fs::current_path(root_ / "elsewhere");
  const auto found = FindDataFile("models/m.onnx", root_ / "src");
  EXPECT_EQ(found.path, (root_ / "src" / "models" / "m.onnx").lexically_normal());
  // The working directory is tried first, then the binary's places.
  ASSERT_GE(found.tried.size(), 2U);
  EXPECT_EQ(found.tried.front(), (root_ / "elsewhere" / "models" / "m.onnx").lexically_normal());
}

TEST_F(DataFileTest, TheWorkingDirectoryWinsWhenItHasTheFile) {
  fs::create_directories(root_ / "elsewhere" / "models");
  std::ofstream(root_ / "elsewhere" / "models" / "m.onnx") << "y";
  fs::current_path(root_ / "elsewhere");
  EXPECT_EQ(FindDataFile("models/m.onnx", root_ / "src").path,
            (root_ / "elsewhere" / "models" / "m.onnx").lexically_normal());
}

TEST_F(DataFileTest, AMissingFileListsEveryPlaceTried) {
  fs::current_path(root_ / "elsewhere");
  const auto found = FindDataFile("models/absent.onnx", root_ / "src");
  EXPECT_TRUE(found.path.empty());
  const std::string tried = JoinTried(found.tried);
  EXPECT_NE(tried.find((root_ / "elsewhere" / "models" / "absent.onnx").string()),
            std::string::npos);
  EXPECT_NE(tried.find("share/aicc/models/absent.onnx"), std::string::npos);
  EXPECT_NE(tried.find((root_ / "src" / "models" / "absent.onnx").string()), std::string::npos);
}

TEST_F(DataFileTest, AnAbsoluteNameIsTakenAsItIs) {
  const auto found = FindDataFile(root_ / "src" / "models" / "m.onnx", "/nonexistent");
  EXPECT_EQ(found.path, root_ / "src" / "models" / "m.onnx");
  EXPECT_EQ(found.tried.size(), 1U);
}

}  // namespace
}  // namespace aicc::core
