// The output folder of `testscope run` (issue 14, items 2, 3, 6 and 7), with real processes:
// a typo in PROGRAM or an early Ctrl-C keeps the previous results; a second run into the same
// OUT is refused while the first holds it; after SIGKILL of testscope, its executions are
// killed too, testscope-run.json says what finished, report reads that, and the next run into
// OUT goes ahead; a run with no finished execution gives report, check and merge exit 2.
#include <sys/mount.h>

#include <fstream>
#include <system_error>
#include <vector>

#include "cli_harness.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

// Every regular file under `root` with its bytes, by path relative to `root`.
std::map<std::string, std::string> files_under(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files[fs::relative(entry.path(), root).string()] = slurp(entry.path());
  }
  return files;
}

class OutFolderTest : public CliTest {
 protected:
  // A finished run of two passing executions in `out`, its files as they are on disk.
  std::map<std::string, std::string> previous_run(const std::string& out) {
    const Result r =
        testscope({"run", "-n", "2", "--out", out, "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return files_under(dir() / out);
  }
};

TEST_F(OutFolderTest, AProgramThatCannotStartKeepsThePreviousResults) {
  const auto before = previous_run("out");
  ASSERT_TRUE(before.contains("verdicts.json"));
  const Result r = testscope({"run", "-n", "2", "--out", "out", "--", "./no-such-program"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot start ./no-such-program"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("keeps the previous run's results"), std::string::npos) << r.err;
  EXPECT_EQ(files_under(dir() / "out"), before);
  const Result report = testscope({"report", "out"});
  EXPECT_EQ(report.exit_code, 0) << report.err;
}

TEST_F(OutFolderTest, AnEarlyCtrlCKeepsThePreviousResults) {
  const auto before = previous_run("out");
  const Result r =
      testscope({"run", "-n", "2", "--out", "out", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Hangs"}, {},
                std::chrono::milliseconds(500));
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted before any execution finished"), std::string::npos) << r.err;
  EXPECT_EQ(files_under(dir() / "out"), before);
}

TEST_F(OutFolderTest, ASecondRunIntoTheSameOutIsRefusedWhileTheFirstHoldsIt) {
  const std::vector<std::string> env = {"CLI_FIXTURE_PID_FILE=" + (dir() / "hang.pid").string()};
  const pid_t first = start_testscope(
      {"run", "-n", "1", "--out", "out", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Hangs"}, env,
      "first.");
  ASSERT_GT(first, 0);
  ASSERT_TRUE(eventually([&] { return fs::exists(dir() / "hang.pid"); }));
  const auto during = files_under(dir() / "out/runs");

  const Result second =
      testscope({"run", "-n", "1", "--out", "out", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"});
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find("out is in use by another testscope run or merge (pid " + std::to_string(first)),
            std::string::npos)
      << second.err;
  EXPECT_EQ(files_under(dir() / "out/runs"), during);  // the first run's execution untouched

  kill(first, SIGINT);
  const Result first_result = wait_testscope(first, "first.");
  EXPECT_EQ(first_result.exit_code, 130) << first_result.err;
  const Result third =
      testscope({"run", "-n", "1", "--out", "out", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"});
  EXPECT_EQ(third.exit_code, 0) << third.err;
}

// A merge takes OUT's lock as a run does: into a folder a run is writing it is refused, and
// so is merging a folder a run is still writing (its executions are not all there yet).
TEST_F(OutFolderTest, AMergeNeitherWritesIntoNorReadsARunningRunsOut) {
  ASSERT_EQ(
      testscope({"run", "-n", "1", "--out", "done", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"})
          .exit_code,
      0);
  const pid_t running = start_testscope(
      {"run", "-n", "1", "--out", "out", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Hangs"},
      {"CLI_FIXTURE_PID_FILE=" + (dir() / "hang.pid").string()}, "running.");
  ASSERT_GT(running, 0);
  ASSERT_TRUE(eventually([&] { return fs::exists(dir() / "hang.pid"); }));
  const auto during = files_under(dir() / "out/runs");  // (its manifest is rewritten as it goes)

  const Result into = testscope({"merge", "done", "--out", "out"});
  EXPECT_EQ(into.exit_code, 2) << into.err;
  EXPECT_NE(into.err.find("out is in use by another testscope run or merge (pid " + std::to_string(running)),
            std::string::npos)
      << into.err;
  const Result from = testscope({"merge", "done", "out", "--out", "merged"});
  EXPECT_EQ(from.exit_code, 2) << from.err;
  EXPECT_NE(from.err.find("out: a testscope run is still writing it (pid " + std::to_string(running)),
            std::string::npos)
      << from.err;
  EXPECT_FALSE(fs::exists(dir() / "merged"));
  EXPECT_EQ(files_under(dir() / "out/runs"), during);
  for (const auto& entry : fs::directory_iterator(dir())) {  // no staging folder left beside them
    EXPECT_EQ(entry.path().filename().string().find(".merging-"), std::string::npos) << entry.path();
  }

  kill(running, SIGINT);
  EXPECT_EQ(wait_testscope(running, "running.").exit_code, 130);
  const Result after = testscope({"merge", "done", "--out", "merged"});
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_FALSE(fs::exists(dir() / "merged/.testscope.lock"));  // released with the merge
}

TEST_F(OutFolderTest, AfterSigkillOfTestscopeNothingOutlivesItAndWhatFinishedIsRead) {
  const fs::path pid_file = dir() / "hang.pid";
  const pid_t run = start_testscope({"run", "-n", "3", "--out", "out", "--", CLI_FIXTURE_PROGRAM,
                                     "--gtest_filter=Cli.HangsAfterTheFirstExecution"},
                                    {"CLI_FIXTURE_PID_FILE=" + pid_file.string()}, "run.");
  ASSERT_GT(run, 0);
  ASSERT_TRUE(eventually([&] { return fs::exists(pid_file); }));  // execution 2 hangs
  // testscope-run.json, written as executions start and end, records execution 1's end.
  ASSERT_TRUE(eventually([&] {
    try {
      const json m = read_json("out/testscope-run.json");
      return m["executions"].size() == 2 && m["executions"][0]["outcome"] == "pass";
    } catch (const std::exception&) {
      return false;
    }
  }));
  pid_t grandchild = 0;
  pid_t program = 0;
  pid_t daemon = 0;
  std::ifstream(pid_file) >> grandchild >> program >> daemon;
  ASSERT_GT(grandchild, 0);
  ASSERT_GT(program, 0);
  ASSERT_GT(daemon, 0);

  ASSERT_EQ(kill(run, SIGKILL), 0);
  wait_testscope(run, "run.");
  EXPECT_TRUE(gone(program)) << "execution 2's program outlived testscope";
  EXPECT_TRUE(gone(grandchild)) << "what execution 2 started outlived testscope";
  EXPECT_TRUE(gone(daemon)) << "the daemon execution 2 started outside its group outlived testscope";

  const json manifest = read_json("out/testscope-run.json");
  EXPECT_EQ(manifest["interrupted"], true);
  EXPECT_EQ(manifest["executions"][1]["outcome"], "running");
  const Result report = testscope({"report", "out", "--format", "json"});
  EXPECT_EQ(report.exit_code, 0) << report.err;
  const json verdicts = json::parse(report.out);
  EXPECT_EQ(verdicts["executions"]["total"], 1);
  EXPECT_EQ(test_named(verdicts, "Cli.HangsAfterTheFirstExecution")["verdict"], "passed");

  const Result next =
      testscope({"run", "-n", "1", "--out", "out", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"});
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_FALSE(fs::exists(dir() / "out/runs/2"));
}

// A process an execution leaves running outside its group (a daemon) is killed when the
// execution ends, said on stderr and recorded in testscope-run.json, so it cannot disturb the
// next executions (a port held, a file written late).
TEST_F(OutFolderTest, WhatAnExecutionLeavesRunningOutsideItsGroupIsKilledAndRecorded) {
  const fs::path pid_file = dir() / "daemons.pid";
  const Result r = testscope({"run", "-n", "2", "--out", "out", "--", CLI_FIXTURE_PROGRAM,
                              "--gtest_filter=Cli.LeavesADaemonRunning"},
                             {"CLI_FIXTURE_PID_FILE=" + pid_file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<pid_t> daemons;
  std::ifstream in(pid_file);
  for (pid_t pid = 0; in >> pid;) daemons.push_back(pid);
  ASSERT_EQ(daemons.size(), 2U);
  const json manifest = read_json("out/testscope-run.json");
  for (std::size_t i = 0; i < daemons.size(); ++i) {
    EXPECT_TRUE(gone(daemons[i])) << "execution " << i + 1 << "'s daemon outlived it";
    const json& left = manifest["executions"][i]["left_running"];
    ASSERT_EQ(left.size(), 1U) << manifest.dump();
    EXPECT_EQ(left[0]["pid"], daemons[i]);
    EXPECT_EQ(left[0]["command"], fs::path(CLI_FIXTURE_PROGRAM).filename().string().substr(0, 15));
    EXPECT_NE(r.err.find("testscope: execution " + std::to_string(i + 1) +
                         " left 1 process running outside its process group, killed: " +
                         std::to_string(daemons[i]) + " ("),
              std::string::npos)
        << r.err;
  }
}

TEST_F(OutFolderTest, NoFinishedExecutionIsAnInputErrorForReportCheckAndMerge) {
  const Result r =
      testscope({"run", "-n", "2", "--out", "out", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Hangs"}, {},
                std::chrono::milliseconds(500));
  ASSERT_EQ(r.exit_code, 130) << r.err;
  ASSERT_TRUE(fs::exists(dir() / "out/testscope-run.json"));  // a first run keeps its record
  const Result report = testscope({"report", "out"});
  EXPECT_EQ(report.exit_code, 2) << report.out;
  EXPECT_NE(report.err.find("no execution finished"), std::string::npos) << report.err;
  write_file(dir() / "rules.toml",
             "[[rule]]\nname = \"flaky\"\nkind = \"verdict\"\nseverity = \"warning\"\nfailure_rate_above = "
             "\"1%\"\n");
  const Result check = testscope({"check", "out", "--rules", "rules.toml"});
  EXPECT_EQ(check.exit_code, 2) << check.out << check.err;
  const Result merge = testscope({"merge", "out", "--out", "merged"});
  EXPECT_EQ(merge.exit_code, 2) << merge.out << merge.err;
}

// A full output folder is not a program that cannot start (issue 14): on a tmpfs with no
// inode to spare at each step of a run's start in turn, every refusal names the folder and
// ENOSPC, never "cannot start PROGRAM". Needs the right to mount (root, as in CI).
TEST_F(OutFolderTest, AFullOutputFolderIsNamedAsSuch) {
  const fs::path disk = dir() / "disk";
  bool named_an_execution_folder = false;
  for (int free_inodes = 0; free_inodes <= 10; ++free_inodes) {
    fs::create_directories(disk);
    if (::mount("tmpfs", disk.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,nr_inodes=48,mode=0755") !=
        0) {
      const int error = errno;
      const std::string reason = std::generic_category().message(error);
      if (error == EPERM || error == EACCES) {
        GTEST_SKIP() << "mounting a tmpfs needs root: " << reason;
      }
      FAIL() << "cannot mount a tmpfs on " << disk << ": " << reason;
    }
    fs::create_directories(disk / "out");
    std::vector<fs::path> fillers;
    for (int i = 0;; ++i) {  // every inode taken
      const fs::path filler = disk / ("f" + std::to_string(i));
      if (!std::ofstream(filler)) break;
      fillers.push_back(filler);
    }
    for (int i = 0; i < free_inodes && !fillers.empty(); ++i) {
      fs::remove(fillers.back());
      fillers.pop_back();
    }
    const Result r = testscope(
        {"run", "-n", "1", "--out", "disk/out", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"});
    ::umount2(disk.c_str(), MNT_DETACH);
    EXPECT_EQ(r.err.find("cannot start"), std::string::npos) << free_inodes << " free: " << r.err;
    if (r.exit_code != 0) {
      EXPECT_EQ(r.exit_code, 2) << r.err;
      EXPECT_NE(r.err.find("disk/out"), std::string::npos) << free_inodes << " free: " << r.err;
      EXPECT_NE(r.err.find(std::generic_category().message(ENOSPC)), std::string::npos)
          << free_inodes << " free: " << r.err;
      named_an_execution_folder =
          named_an_execution_folder || r.err.find("disk/out/runs/1") != std::string::npos;
    }
  }
  EXPECT_TRUE(named_an_execution_folder) << "no step left the execution's folder or log without room";
}

}  // namespace
