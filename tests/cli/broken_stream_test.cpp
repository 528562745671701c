// A closed or broken stderr and stdout (issue 14, item 5): `2>&-`, `2>/dev/full` and a pipe
// whose reader is gone (`| head -2`) must not lose the run: verdicts.json and
// testscope-run.json written, and the exit code that of a run on a working terminal.
#include <array>

#include "cli_harness.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

// How the command's fds 1 and 2 are set up.
enum class Streams { kStderrClosed, kStderrFull, kBothToAPipeWithoutReader };

class BrokenStreamTest : public CliTest {
 protected:
  // Runs `testscope run -n 4` of the flaky fixture test in dir() with its streams `streams`;
  // returns its exit code, or -1 if a signal ended it.
  int run_with(Streams streams, const std::string& out) {
    std::vector<std::string> argv{TESTSCOPE_CLI,
                                  "run",
                                  "-n",
                                  "4",
                                  "--out",
                                  out,
                                  "--",
                                  CLI_FIXTURE_PROGRAM,
                                  "--gtest_filter=Cli.FailsOnEvenExecutions"};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::array<int, 2> pipe_ends{-1, -1};
    switch (streams) {
      case Streams::kStderrClosed:
        posix_spawn_file_actions_addclose(&actions, 2);
        break;
      case Streams::kStderrFull:
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/full", O_WRONLY, 0);
        break;
      case Streams::kBothToAPipeWithoutReader:
        EXPECT_EQ(pipe(pipe_ends.data()), 0);
        close(pipe_ends[0]);  // the reader has gone: every write is EPIPE (and SIGPIPE)
        posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], 1);
        posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], 2);
        break;
    }
    std::vector<char*> a;
    a.reserve(argv.size() + 1);
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    std::vector<std::string> environment;  // as CliTest::testscope gives it: none of the CI's settings
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      if (!entry.starts_with("TESTSCOPE_") && !entry.starts_with("GITHUB_") && !entry.starts_with("GTEST_")) {
        environment.push_back(entry);
      }
    }
    std::vector<char*> envp;
    envp.reserve(environment.size() + 1);
    for (auto& s : environment) envp.push_back(s.data());
    envp.push_back(nullptr);
    const auto cwd = fs::current_path();
    fs::current_path(dir());
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, a[0], &actions, nullptr, a.data(), envp.data());
    fs::current_path(cwd);
    posix_spawn_file_actions_destroy(&actions);
    if (pipe_ends[1] >= 0) close(pipe_ends[1]);
    EXPECT_EQ(rc, 0);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void expect_results_written(const std::string& out) {
    ASSERT_TRUE(fs::exists(dir() / out / "verdicts.json"));
    const json verdicts = read_json(out + "/verdicts.json");
    EXPECT_EQ(verdicts["executions"]["total"], 4);
    EXPECT_EQ(test_named(verdicts, "Cli.FailsOnEvenExecutions")["verdict"], "flaky");
    EXPECT_EQ(read_json(out + "/testscope-run.json")["executions"].size(), 4U);
  }
};

TEST_F(BrokenStreamTest, ClosedStderr) {
  EXPECT_EQ(run_with(Streams::kStderrClosed, "out"), 1);  // 1: a flaky test
  expect_results_written("out");
}

TEST_F(BrokenStreamTest, FullStderr) {
  EXPECT_EQ(run_with(Streams::kStderrFull, "out"), 1);
  expect_results_written("out");
}

TEST_F(BrokenStreamTest, StdoutAndStderrToAPipeWhoseReaderHasGone) {
  EXPECT_EQ(run_with(Streams::kBothToAPipeWithoutReader, "out"), 1) << "-1: killed by SIGPIPE";
  expect_results_written("out");
}

}  // namespace
