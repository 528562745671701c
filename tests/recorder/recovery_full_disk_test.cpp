// Crash recovery on a full disk (issue 14, item 1): a program that died on a nearly full
// file system can leave buffer files whose pages it never managed to write (holes: the
// files of older versions were sparse, and a file system may not reserve space). Reading
// such a hole through a mapping of a full tmpfs raises SIGBUS, which killed `testscope run`
// in recover_tests(). It must read them as the zeros they are and report the bad file.
//
// Runs with TESTSCOPE_BUFFER_DIR set (see CMakeLists.txt): this process's own control block
// and buffer, copied onto a small tmpfs the test mounts, stand in for a dead program's.
// Needs the right to mount (root or CAP_SYS_ADMIN, as in CI); skipped, saying so, without it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "recorder/records.hpp"
#include "testscope/capture.hpp"
#include "testscope/recovery.hpp"
#include "testscope/span.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;

fs::path buffer_dir() {
  const char* env = std::getenv("TESTSCOPE_BUFFER_DIR");
  return env != nullptr ? fs::path(env) : fs::path();
}

class RecoveryFullDiskTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_FALSE(buffer_dir().empty()) << "run through ctest";
    fs::create_directories(buffer_dir());  // before the first span maps a buffer
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(buffer_dir(), ignored);
  }

  void SetUp() override {
    disk_ = fs::temp_directory_path() / ("recovery_full_disk_" + std::to_string(getpid()));
    fs::create_directories(disk_);
    if (::mount("tmpfs", disk_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0) {
      const int error = errno;
      if (error == EPERM || error == EACCES) {
        GTEST_SKIP() << "mounting a tmpfs is not permitted here ("
                     << std::strerror(error)  // NOLINT(concurrency-mt-unsafe): one thread
                     << "): this test needs root or CAP_SYS_ADMIN, as CI has";
      }
      FAIL() << "cannot mount a tmpfs on " << disk_ << ": "
             << std::strerror(error);  // NOLINT(concurrency-mt-unsafe): one thread
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(disk_.c_str(), MNT_DETACH);
    std::error_code ignored;
    fs::remove_all(disk_, ignored);
  }

  fs::path disk_;         // NOLINT(*-non-private-member-variables-in-classes): the fixture's
  bool mounted_ = false;  // NOLINT(*-non-private-member-variables-in-classes)
};

TEST_F(RecoveryFullDiskTest, HolesInADeadProgramsFilesAreReadWithoutFaulting) {
  TestCapture capture;
  capture.begin(TestInfo{"FullDisk", "Dies", "", "", "recovery_full_disk_test.cpp", 7});
  { Span done("done_before_death"); }
  // The files as the program left them, on the small disk: its control block and buffer,
  // and a buffer of a thread that died at its first write (a file of the right size, all hole).
  const std::string pid = std::to_string(getpid());
  for (const auto& entry : fs::directory_iterator(buffer_dir())) {  // not those of an earlier run
    if (entry.path().filename().string().rfind(pid + "-", 0) == 0) {
      fs::copy_file(entry.path(), disk_ / entry.path().filename());
    }
  }
  {
    const int fd =
        ::open((disk_ / (pid + "-99.buffer")).c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(detail::kBufferHeaderBytes + (std::size_t{8} << 20U))), 0);
    ::close(fd);
  }
  // Then the disk fills up.
  {
    std::ofstream filler(disk_ / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    for (int i = 0; i < 1024 && filler; ++i) {
      filler.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
  }

  const Recovery recovery = recover_tests(disk_.string(), {Outcome::kCrash, "killed by SIGSEGV", 0});
  (void)capture.end(Outcome::kPass);

  ASSERT_EQ(recovery.tests.size(), 1U);
  const TestRecord& record = recovery.tests[0].record;
  EXPECT_EQ(record.test.full_name(), "FullDisk.Dies");
  EXPECT_NE(record.find_span(record.root_span_id), nullptr);
  bool found = false;
  for (const SpanData& span : record.spans) found = found || span.name == "done_before_death";
  EXPECT_TRUE(found) << "the live buffer's span was not recovered";
  ASSERT_EQ(recovery.problems.size(), 1U);
  EXPECT_NE(recovery.problems[0].find(pid + "-99.buffer"), std::string::npos) << recovery.problems[0];
}

}  // namespace
}  // namespace testscope
