// detail::AtomicFile and write_file_atomic (src/writers/file_io.cpp): a file written in
// pieces appears whole at commit() or not at all, the old file staying until then; a
// failure is kept and named; an abandoned file leaves no temporary behind.
#include "writers/file_io.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace testscope::detail {
namespace {

namespace fs = std::filesystem;

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_ = fs::temp_directory_path() / ("testscope_file_io_" + std::to_string(getpid()));
};

TEST_F(AtomicFileTest, PiecesAppearTogetherAtCommitAndTheOldFileStaysUntilThen) {
  const fs::path path = dir() / "sub" / "doc.json";
  ASSERT_EQ(write_file_atomic(path, "old"), "");
  AtomicFile file(path);
  ASSERT_EQ(file.error(), "");
  const std::string big(3 << 20, 'x');  // larger than any pipe or page-cache chunk
  EXPECT_TRUE(file.append("{\"a\":"));
  EXPECT_TRUE(file.append(""));
  EXPECT_TRUE(file.append("\"" + big + "\"}"));
  EXPECT_EQ(file_text(path), "old");  // a reader still sees the whole old file
  EXPECT_EQ(file.commit(), "");
  EXPECT_EQ(file_text(path), "{\"a\":\"" + big + "\"}");
  EXPECT_EQ(files_in(path.parent_path()), 1U) << "a temporary was left behind";
}

TEST_F(AtomicFileTest, AnAbandonedFileLeavesTheOldOneAndNoTemporary) {
  const fs::path path = dir() / "doc.json";
  ASSERT_EQ(write_file_atomic(path, "old"), "");
  {
    AtomicFile file(path);
    EXPECT_TRUE(file.append("half of a new"));
  }
  EXPECT_EQ(file_text(path), "old");
  EXPECT_EQ(files_in(dir()), 1U);
}

TEST_F(AtomicFileTest, AFailureIsKeptNamedAndEndsTheWrites) {
  fs::create_directories(dir() / "taken" / "inside");  // a folder where the file should go
  AtomicFile file(dir() / "taken");
  EXPECT_TRUE(file.append("text"));
  const std::string error = file.commit();
  EXPECT_NE(error.find((dir() / "taken").string() + ": rename failed"), std::string::npos) << error;
  EXPECT_EQ(files_in(dir()), 1U);

  AtomicFile full("/dev/full/cannot");  // its folder is not a folder
  EXPECT_FALSE(full.error().empty());
  EXPECT_FALSE(full.append("text"));
  EXPECT_EQ(full.commit(), full.error());
}

TEST_F(AtomicFileTest, AWriteErrorIsReportedWithTheReason) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  // A symlink as the temporary's name makes the writes go to /dev/full: ENOSPC on write.
  const fs::path path = dir() / "doc.json";
  fs::create_symlink("/dev/full", path.string() + ".tmp" + std::to_string(getpid()));
  AtomicFile file(path);
  ASSERT_EQ(file.error(), "");
  EXPECT_FALSE(file.append("text"));
  EXPECT_FALSE(file.append("more"));
  const std::string error = file.commit();
  EXPECT_NE(error.find("write failed: No space left on device"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace testscope::detail
