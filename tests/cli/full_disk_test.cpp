// A nearly full disk (issue 14, item 1): `testscope run` with its OUT on a small tmpfs this
// test mounts and fills. The recorder's buffer files must not turn a passing test into a
// crash (they were sparse, and the first write to a page the disk could not hold raised
// SIGBUS), and crash recovery must read the files a dead program left without faulting (it
// mapped them, and reading a hole of a full tmpfs raised SIGBUS in the runner). The verdicts
// must be those of the same run on a roomy disk.
//
// Needs the right to mount (root, or CAP_SYS_ADMIN, as in CI); skipped, saying so, without it.
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include "cli_harness.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

// verdicts.json without what differs between any two runs (durations).
json stable_verdicts(json verdicts) {
  for (json& test : verdicts["tests"]) {
    test.erase("mean_duration_ns");
    for (json& attempt : test["failing"]) attempt.erase("duration_ns");
  }
  return json{{"executions", verdicts["executions"]},
              {"tests", verdicts["tests"]},
              {"problems", verdicts["problems"]},
              {"interrupted", verdicts["interrupted"]}};
}

// The lines of `text` that contain `needle`.
std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> found;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) found.push_back(line);
  }
  return found;
}

class FullDiskTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    disk_ = dir() / "disk";
    fs::create_directories(disk_);
    // 2 MiB, the size the reproduction used.
    if (::mount("tmpfs", disk_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=2m,mode=0755") != 0) {
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
    CliTest::TearDown();
  }

  // Fills the disk with a file of real (not sparse) bytes until `bytes` are left free.
  void leave_free(std::uint64_t bytes) {
    struct statvfs st {};
    ASSERT_EQ(::statvfs(disk_.c_str(), &st), 0);
    const std::uint64_t available = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    ASSERT_GT(available, bytes);
    std::ofstream filler(disk_ / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    for (std::uint64_t left = available - bytes; left > 0;) {
      const std::uint64_t n = std::min<std::uint64_t>(left, block.size());
      filler.write(block.data(), static_cast<std::streamsize>(n));
      left -= n;
    }
    filler.close();
    ASSERT_TRUE(filler) << "could not fill " << disk_;
  }

  const fs::path& disk() const { return disk_; }

 private:
  fs::path disk_;         // NOLINT(*-non-private-member-variables-in-classes): the fixture's
  bool mounted_ = false;  // NOLINT(*-non-private-member-variables-in-classes)
};

// 640 KiB free: the artifacts of two executions fit (~450 KiB), the pages the program's
// 129 thread buffers touch (two each, ~1 MiB) do not.
constexpr std::uint64_t kFreeBytes = std::uint64_t{640} * 1024;

TEST_F(FullDiskTest, PassingTestsStayPassingWithTheVerdictsOfARoomyDisk) {
  const std::vector<std::string> program = {FULL_DISK_PROGRAM,
                                            "--gtest_filter=FullDisk.*-FullDisk.Segfaults"};
  std::vector<std::string> args = {"run", "-n", "2", "--out", "roomy", "--"};
  args.insert(args.end(), program.begin(), program.end());
  const Result roomy = testscope(args);
  ASSERT_EQ(roomy.exit_code, 1) << roomy.err;  // FullDisk.Fails fails

  leave_free(kFreeBytes);
  args[4] = "disk/out";
  const Result full = testscope(args);
  EXPECT_EQ(full.exit_code, roomy.exit_code) << full.err;
  ASSERT_TRUE(fs::exists(dir() / "disk/out/verdicts.json")) << full.err;
  const json verdicts = read_json("disk/out/verdicts.json");
  EXPECT_EQ(stable_verdicts(verdicts), stable_verdicts(read_json("roomy/verdicts.json")));
  EXPECT_EQ(test_named(verdicts, "FullDisk.SpansOnManyThreads")["verdict"], "passed");
  EXPECT_EQ(test_named(verdicts, "FullDisk.Passes")["verdict"], "passed");

  // One warning per execution, naming the folder and the reason; none on the roomy disk.
  const std::string buffers = (dir() / "disk/out/buffers/0").string();
  for (const char* n : {"1", "2"}) {
    const std::string log = slurp(dir() / "disk/out/runs" / n / "output.log");
    const auto warnings = lines_with(log, "testscope: warning:");
    ASSERT_EQ(warnings.size(), 1U) << log;
    EXPECT_NE(warnings[0].find(buffers), std::string::npos) << warnings[0];
    // NOLINTNEXTLINE(concurrency-mt-unsafe): one thread
    EXPECT_NE(warnings[0].find(std::strerror(ENOSPC)), std::string::npos) << warnings[0];
    EXPECT_TRUE(lines_with(slurp(dir() / "roomy/runs" / n / "output.log"), "testscope: warning:").empty());
  }
}

TEST_F(FullDiskTest, ACrashIsRecoveredAndChargedToItsTestAsOnARoomyDisk) {
  const std::vector<std::string> program = {FULL_DISK_PROGRAM,
                                            "--gtest_filter=FullDisk.SpansOnManyThreads:FullDisk.Segfaults"};
  std::vector<std::string> args = {"run", "-n", "1", "--out", "roomy", "--"};
  args.insert(args.end(), program.begin(), program.end());
  const Result roomy = testscope(args);
  ASSERT_EQ(roomy.exit_code, 1) << roomy.err;

  leave_free(kFreeBytes);
  args[4] = "disk/out";
  const Result full = testscope(args);
  EXPECT_EQ(full.exit_code, roomy.exit_code) << full.err;
  ASSERT_TRUE(fs::exists(dir() / "disk/out/verdicts.json")) << full.err;
  const json verdicts = read_json("disk/out/verdicts.json");
  EXPECT_EQ(stable_verdicts(verdicts), stable_verdicts(read_json("roomy/verdicts.json")));
  const json& crashed = test_named(verdicts, "FullDisk.Segfaults");
  EXPECT_EQ(crashed["outcomes"]["crash"], 1) << crashed.dump();
  EXPECT_EQ(test_named(verdicts, "FullDisk.SpansOnManyThreads")["verdict"], "passed");
}

}  // namespace
