// `testscope` run as a subprocess: run and report against cli_fixture_program (passing,
// flaky, hanging, crashing tests) and the promo example; exit codes 0/1/2/130; bad flags.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>  // environ

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Result {
  int exit_code = -1;
  std::string out, err;
  double seconds = 0;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cli_test_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `testscope args...` in dir_ with `env` added; sends SIGINT after `interrupt_after` if > 0.
  Result testscope(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                   std::chrono::milliseconds interrupt_after = std::chrono::milliseconds(0)) {
    std::vector<std::string> argv{TESTSCOPE_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      if (entry.rfind("TESTSCOPE_", 0) != 0 && entry.rfind("GITHUB_", 0) != 0 &&
          entry.rfind("GTEST_", 0) != 0) {
        environment.push_back(entry);
      }
    }
    environment.insert(environment.end(), env.begin(), env.end());
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, (dir_ / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, (dir_ / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    std::vector<char*> a;
    a.reserve(argv.size() + 1);
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    std::vector<char*> e;
    e.reserve(environment.size() + 1);
    for (auto& s : environment) e.push_back(s.data());
    e.push_back(nullptr);
    const auto cwd = fs::current_path();
    fs::current_path(dir_);
    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, a[0], &actions, nullptr, a.data(), e.data());
    fs::current_path(cwd);
    posix_spawn_file_actions_destroy(&actions);
    Result r;
    if (rc != 0) return r;
    if (interrupt_after.count() > 0) {
      std::this_thread::sleep_for(interrupt_after);
      kill(pid, SIGINT);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    r.out = slurp(dir_ / "stdout");
    r.err = slurp(dir_ / "stderr");
    return r;
  }

  json read_json(const std::string& relative) { return json::parse(slurp(dir_ / relative)); }

  static bool gone(pid_t pid) {  // waits up to 5 s for a process to disappear (reaped by init)
    for (int i = 0; i < 500; ++i) {
      if (kill(pid, 0) != 0 && errno == ESRCH) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // The test's own scratch folder, where testscope runs.
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

const json& test_named(const json& verdicts, const std::string& name) {
  for (const json& t : verdicts["tests"]) {
    if (t["name"] == name) return t;
  }
  static const json kNone;
  ADD_FAILURE() << "no verdict for " << name << " in " << verdicts.dump();
  return kNone;
}

TEST_F(CliTest, PassingProgramExitsZeroAndWritesTheTree) {
  const Result r = testscope({"run", "-n", "3", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("passed   Cli.Passes"), std::string::npos) << r.out;
  const json verdicts = read_json("testscope-out/verdicts.json");
  EXPECT_EQ(verdicts["schema"], 1);
  EXPECT_EQ(test_named(verdicts, "Cli.Passes")["runs"], 3);
  const json run = read_json("testscope-out/testscope-run.json");
  ASSERT_EQ(run["executions"].size(), 3U);
  EXPECT_EQ(run["executions"][0]["outcome"], "pass");
  EXPECT_EQ(run["program"][1], "--gtest_filter=Cli.Passes");  // passed through untouched
  EXPECT_TRUE(fs::exists(dir() / "testscope-out/runs/3/tests/Cli.Passes/summary.json"));
  EXPECT_NE(slurp(dir() / "testscope-out/runs/1/output.log").find("[  PASSED  ] 1 test"), std::string::npos);
  EXPECT_TRUE(r.err.find("3/3 executions") != std::string::npos) << r.err;  // plain lines without a terminal
}

TEST_F(CliTest, FlakyTestExitsOneWithItsRateAndArtifacts) {
  const Result r = testscope({"run", "-n", "4", "-j", "2", "--out", "o", "--", CLI_FIXTURE_PROGRAM,
                              "--gtest_filter=Cli.FailsOnEvenExecutions"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("flaky"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("o/runs/2/tests/Cli.FailsOnEvenExecutions"), std::string::npos) << r.out;
  const json t = test_named(read_json("o/verdicts.json"), "Cli.FailsOnEvenExecutions");
  EXPECT_EQ(t["verdict"], "flaky");
  EXPECT_EQ(t["failures"], 2);
  EXPECT_EQ(t["failure_rate"], 0.5);
}

TEST_F(CliTest, UntilFailStopsAtTheFirstFailure) {
  const Result r = testscope({"run", "-n", "10", "--until-fail", "--", CLI_FIXTURE_PROGRAM,
                              "--gtest_filter=Cli.FailsOnEvenExecutions"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(read_json("testscope-out/testscope-run.json")["executions"].size(), 2U);
}

TEST_F(CliTest, TimeoutKillsTheWholeProcessGroup) {
  const std::string pid_file = (dir() / "grandchild.pid").string();
  const Result r =
      testscope({"run", "-n", "1", "--timeout", "1s", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Hangs"},
                {"CLI_FIXTURE_PID_FILE=" + pid_file});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_LT(r.seconds, 10);
  EXPECT_NE(r.out.find("timed out"), std::string::npos) << r.out;
  const json run = read_json("testscope-out/testscope-run.json");
  EXPECT_EQ(run["executions"][0]["outcome"], "timeout");
  EXPECT_EQ(run["executions"][0]["signal"], SIGKILL);
  const pid_t grandchild = std::stoi(slurp(pid_file));
  EXPECT_TRUE(gone(grandchild)) << "the hanging program's child " << grandchild << " survived";
}

TEST_F(CliTest, SignalIsACrash) {
  const Result r = testscope({"run", "-n", "2", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Segfaults"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("crashed"), std::string::npos) << r.out;
  const json verdicts = read_json("testscope-out/verdicts.json");
  const json& program = test_named(verdicts, "cli_fixture_program");
  EXPECT_EQ(program["verdict"], "crashed");
  EXPECT_EQ(program["failures"], 2);
  EXPECT_NE(program["failing"][0]["message"].get<std::string>().find("SIGSEGV"), std::string::npos);
}

TEST_F(CliTest, ShuffleRecordsAndPassesASeedPerExecution) {
  const Result r = testscope({"run", "-n", "2", "--shuffle", "--seed", "42", "--", CLI_FIXTURE_PROGRAM,
                              "--gtest_filter=Cli.Passes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const json run = read_json("testscope-out/testscope-run.json");
  EXPECT_EQ(run["executions"][0]["seed"], 42);
  EXPECT_EQ(run["executions"][1]["seed"], 43);
  EXPECT_EQ(read_json("testscope-out/runs/2/run.json")["random_seed"], 43);
}

TEST_F(CliTest, InterruptKillsRunningGroupsAndStillReports) {
  const std::string pid_file = (dir() / "grandchild.pid").string();
  const Result r = testscope({"run", "-n", "5", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Hangs"},
                             {"CLI_FIXTURE_PID_FILE=" + pid_file}, std::chrono::milliseconds(1000));
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_LT(r.seconds, 10);
  EXPECT_TRUE(read_json("testscope-out/testscope-run.json")["interrupted"].get<bool>());
  EXPECT_TRUE(fs::exists(dir() / "testscope-out/verdicts.json"));
  EXPECT_TRUE(gone(std::stoi(slurp(pid_file))));
}

TEST_F(CliTest, ReportFormats) {
  ASSERT_EQ(testscope({"run", "-n", "4", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.*Even*:Cli.Passes"})
                .exit_code,
            1);
  const Result table = testscope({"report", "testscope-out"});
  EXPECT_EQ(table.exit_code, 1);
  EXPECT_NE(table.out.find("flaky"), std::string::npos);

  const Result as_json = testscope({"report", "testscope-out", "--format", "json"});
  EXPECT_EQ(as_json.exit_code, 1);
  EXPECT_EQ(json::parse(as_json.out), read_json("testscope-out/verdicts.json"));

  const std::string summary = (dir() / "summary.md").string();
  std::ofstream(summary) << "earlier step\n";
  const Result junit =
      testscope({"report", "testscope-out", "--junit", "junit.xml"}, {"GITHUB_STEP_SUMMARY=" + summary});
  EXPECT_EQ(junit.exit_code, 1) << junit.err;
  const std::string xml = slurp(dir() / "junit.xml");
  EXPECT_NE(xml.find("<testcase name=\"FailsOnEvenExecutions\" classname=\"Cli\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<flakyFailure"), std::string::npos);
  EXPECT_NE(xml.find("testscope artifacts: testscope-out/runs/2/tests/Cli.FailsOnEvenExecutions"),
            std::string::npos);
  const std::string md = slurp(summary);
  EXPECT_EQ(md.rfind("earlier step\n### testscope: 1 flaky, 1 passed (4 executions)", 0), 0U) << md;
}

TEST_F(CliTest, UsageErrorsExitTwoWithAClearMessage) {
  struct UsageCase {
    std::vector<std::string> args;
    std::string message;  // expected in stderr
  };
  const std::vector<UsageCase> cases = {
      {{"run", "-n", "0", "--", "true"}, "--executions"},
      {{"run", "--timeout", "5q", "--", "true"}, "--timeout"},
      {{"run", "--timeout", "-1s", "--", "true"}, "--timeout"},
      {{"run", "--bogus", "--", "true"}, "--bogus"},
      {{"run", "-j", "0", "--", "true"}, "--jobs"},
      {{"run"}, "program"},
      {{"frobnicate"}, "frobnicate"},
      {{}, "subcommand"},
      {{"report", "no_such_folder"}, "no_such_folder"},
      {{"report", ".", "--format", "yaml"}, "--format"},
      {{"run", "--", "/no/such/program"}, "cannot start /no/such/program"},
  };
  for (const auto& c : cases) {
    const Result r = testscope(c.args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(c.args) << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << ::testing::PrintToString(c.args) << "\n" << r.err;
  }
  const Result help = testscope({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("130"), std::string::npos);
}

TEST_F(CliTest, ReportOnAFolderWithoutExecutionsIsAnInputError) {
  fs::create_directories(dir() / "empty");
  const Result r = testscope({"report", "empty"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no executions"), std::string::npos) << r.err;
}

#ifdef PROMO_TESTS
TEST_F(CliTest, PromoExampleTwentyTimes) {
  const Result r = testscope({"run", "-n", "20", "-j", "4", "--", PROMO_TESTS});
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  const json verdicts = read_json("testscope-out/verdicts.json");
  EXPECT_EQ(verdicts["executions"]["total"], 20);
  const json& atomic = test_named(verdicts, "PromoRace.AtomicApplyAllowsExactlyOneUse");
  EXPECT_EQ(atomic["verdict"], "passed");
  EXPECT_EQ(atomic["runs"], 20);
  EXPECT_NEAR(atomic["rules_out_above"].get<double>(), 0.139108, 1e-6);
  const json& racy = test_named(verdicts, "PromoRace.RacyApplyAllowsExactlyOneUse");
  EXPECT_TRUE(racy["verdict"] == "passed" || racy["verdict"] == "flaky") << racy.dump();
  EXPECT_EQ(r.exit_code, racy["verdict"] == "flaky" ? 1 : 0);
}
#endif

}  // namespace
