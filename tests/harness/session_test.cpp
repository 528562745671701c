// TestSession in-process against real files: run.json and a test's folder on disk, the
// console, and the quarantine (a real TOML file) deciding the exit status.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "testscope/harness.hpp"
#include "testscope/quarantine.hpp"
#include "testscope/span.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TestInfo test_info(const std::string& suite, const std::string& name) {
  TestInfo info;
  info.suite = suite;
  info.name = name;
  info.file = "session_test.cpp";
  info.line = 1;
  return info;
}

Failure failure(const std::string& message) {
  Failure f;
  f.file = "session_test.cpp";
  f.line = 42;
  f.message = message;
  return f;
}

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("session_test_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  const fs::path& dir() const { return dir_; }
  fs::path artifacts() const { return dir_ / "artifacts"; }
  json run_json() const { return json::parse(slurp(artifacts() / "run.json")); }

  SessionOptions options(ConsoleMode console = ConsoleMode::kNever) const {
    SessionOptions o;
    o.artifacts_dir = artifacts().string();
    o.console = console;
    o.quarantine_file = quarantine_file_;
    return o;
  }

  // Writes a quarantine file with `entries` (test, mode, days until it expires) and uses it.
  void quarantine(const std::vector<std::tuple<std::string, std::string, int>>& entries) {
    const quarantine::Date today = quarantine::Date::today();
    const fs::path path = dir_ / "testscope-quarantine.toml";
    std::ofstream out(path);
    for (const auto& [test, mode, days] : entries) {
      out << "[[quarantine]]\ntest = \"" << test
          << "\"\nreason = \"flaky, see #9\"\nowner = \"carol\"\nadded = "
          << today.plus_days(std::min(days, 0) - 10).to_string()
          << "\nexpires = " << today.plus_days(days).to_string() << "\nmode = \"" << mode << "\"\n\n";
    }
    quarantine_file_ = path.string();
  }

  static TestSession session(SessionOptions o, ProcessRole role = ProcessRole::kMain) {
    FrontInfo front;
    front.framework = "unit";
    front.role = role;
    front.color = false;
    const std::array<const char*, 2> argv = {"/opt/tests/unit_program", "--some-flag"};
    return {std::move(o), front, 2, argv.data()};
  }

  // Runs one test through `s`: begin, the failures, end with `outcome`, finish.
  static void run_test(TestSession& s, const std::string& suite, const std::string& name, Outcome outcome,
                       int failures = 0) {
    s.begin_test(test_info(suite, name));
    for (int i = 0; i < failures; ++i) s.add_failure(failure("failure " + std::to_string(i)));
    s.end_test(outcome);
    s.finish_test();
  }

 private:
  fs::path dir_;
  std::string quarantine_file_;
};

TEST_F(SessionTest, WritesRunJsonAtBothEndsAndEachTestAfterItsResultLine) {
  TestSession s = session(options());
  s.begin_program(77);
  json run = run_json();
  EXPECT_EQ(run["framework"], "unit");
  EXPECT_EQ(run["random_seed"], 77);
  EXPECT_EQ(run["argv"], json({"/opt/tests/unit_program", "--some-flag"}));
  EXPECT_TRUE(run["exit_status"].is_null()) << "still running";
  EXPECT_TRUE(run["end_unix_ns"].is_null());

  s.begin_test(test_info("Suite", "Fails"));
  {
    Span span("work");
    span.set_attribute("attempt", 1);
  }
  s.add_failure(failure("expected 1, got 2"));
  const TestRecord& record = s.end_test(Outcome::kFail);
  EXPECT_EQ(record.test.full_name(), "Suite.Fails");
  EXPECT_EQ(record.outcome, Outcome::kFail);
  ASSERT_EQ(record.failures.size(), 1U);
  EXPECT_EQ(record.spans.size(), 2U);  // the test's root and "work"
  const fs::path folder = artifacts() / "tests" / test_id("Suite.Fails");
  EXPECT_FALSE(fs::exists(folder / "summary.json")) << "written by finish_test(), after the result line";
  s.finish_test();
  const json summary = json::parse(slurp(folder / "summary.json"));
  EXPECT_EQ(summary["outcome"], "fail");
  EXPECT_EQ(summary["failures"][0]["message"], "expected 1, got 2");
  EXPECT_EQ(summary["failures"][0]["line"], 42);
  for (const char* file : {"trace.otlp.json", "trace.chrome.json", "metrics.prom", "logs.jsonl"}) {
    EXPECT_TRUE(fs::exists(folder / file)) << file;
  }
  run_test(s, "Suite", "Skips", Outcome::kSkip);
  run_test(s, "Suite", "Passes", Outcome::kPass);

  EXPECT_EQ(s.end_program(1), 1);
  run = run_json();
  EXPECT_EQ(run["exit_status"], 1);
  EXPECT_EQ(run["tests"], json({{"run", 3}, {"failed", 1}, {"skipped", 1}}));
  EXPECT_GT(run["end_unix_ns"].get<std::int64_t>(), run["start_unix_ns"].get<std::int64_t>());
  // The front's own counts win when it gives them.
  TestSession other = session(options());
  other.begin_program();
  other.end_program(0, TestCounts{7, 0, 2});
  EXPECT_EQ(run_json()["tests"], json({{"run", 7}, {"failed", 0}, {"skipped", 2}}));
}

TEST_F(SessionTest, TheConsoleShowsAFailedTestsTimelineInFinishTest) {
  TestSession s = session(options(ConsoleMode::kFailed));
  s.begin_program();
  ::testing::internal::CaptureStdout();
  s.begin_test(test_info("Suite", "Fails"));
  s.add_failure(failure("boom"));
  s.end_test(Outcome::kFail);
  const std::string before_finish = ::testing::internal::GetCapturedStdout();
  ::testing::internal::CaptureStdout();
  s.finish_test();
  run_test(s, "Suite", "Passes", Outcome::kPass);
  const std::string after = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(before_finish, "") << "end_test() prints nothing: the front's result line comes first";
  EXPECT_EQ(after.rfind("testscope ▸ Suite.Fails  FAIL", 0), 0U) << after;
  EXPECT_NE(after.find("✗ failure at session_test.cpp:42"), std::string::npos) << after;
  EXPECT_EQ(after.find("Suite.Passes"), std::string::npos) << "console=failed: passing tests stay quiet";
  s.end_program(1);
}

TEST_F(SessionTest, QuarantineRunModeExcusesAFailureOnlyWhenEveryFailureIsQuarantined) {
  quarantine({{"Suite.Flaky*", "run", 30}});
  {
    TestSession s = session(options());
    s.begin_program();
    ::testing::internal::CaptureStdout();
    run_test(s, "Suite", "FlakyOne", Outcome::kFail, 1);
    run_test(s, "Suite", "Passes", Outcome::kPass);
    const std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_EQ(out.rfind("[QUARANTINED] Suite.FlakyOne: flaky, see #9 (owner carol, until ", 0), 0U) << out;
    EXPECT_NE(out.find("testscope-quarantine.toml:1); does not fail the build\n"), std::string::npos) << out;
    EXPECT_EQ(s.exit_status_with_quarantine(1), 0);
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(s.end_program(1), 0);
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(err, "testscope: every failure was in a quarantined test; exit code 0\n");
    EXPECT_EQ(run_json()["exit_status"], 0);
    const json summary = json::parse(slurp(artifacts() / "tests/Suite.FlakyOne/summary.json"));
    EXPECT_EQ(summary["outcome"], "fail");
    EXPECT_EQ(summary["quarantine"]["entry"], "Suite.Flaky*");
    EXPECT_EQ(summary["quarantine"]["owner"], "carol");
    EXPECT_EQ(s.end_program(1), 0) << "once: a second call returns the same";
  }
  {  // A failure in a test that is not quarantined.
    TestSession s = session(options());
    s.begin_program();
    run_test(s, "Suite", "FlakyOne", Outcome::kFail, 1);
    run_test(s, "Suite", "Broken", Outcome::kFail, 1);
    EXPECT_EQ(s.end_program(1), 1);
    EXPECT_EQ(run_json()["exit_status"], 1);
  }
  {  // A failure outside any test (a suite's set-up), from another thread even.
    TestSession s = session(options());
    s.begin_program();
    std::thread([&s] { s.add_failure(failure("set-up failed")); }).join();
    run_test(s, "Suite", "FlakyOne", Outcome::kFail, 1);
    EXPECT_EQ(s.end_program(1), 1);
  }
  {  // The framework failed for a reason of its own, with no failed test at all.
    TestSession s = session(options());
    s.begin_program();
    run_test(s, "Suite", "Passes", Outcome::kPass);
    EXPECT_EQ(s.end_program(1), 1);
  }
  {  // A crash or a timeout of a quarantined test is excused like a failure.
    TestSession s = session(options());
    run_test(s, "Suite", "FlakyTwo", Outcome::kCrash);
    EXPECT_EQ(s.exit_status_with_quarantine(134), 0);
    EXPECT_EQ(s.exit_status_with_quarantine(0), 0);
  }
}

TEST_F(SessionTest, SkipEntriesAndExpiredEntriesAreAnnouncedInTheMainProcessOnly) {
  quarantine({{"Suite.Slow*", "skip", 30}, {"Suite.Old", "run", -1}, {"Suite.Flaky", "run", 30}});
  ::testing::internal::CaptureStderr();
  TestSession s = session(options());
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("testscope: skipping quarantined 'Suite.Slow*' (flaky, see #9; owner carol) until "),
            std::string::npos)
      << err;
  EXPECT_NE(
      err.find("testscope: WARNING: quarantine of 'Suite.Old' (flaky, see #9; owner carol) EXPIRED on "),
      std::string::npos)
      << err;
  EXPECT_EQ(err.find("Suite.Flaky"), std::string::npos) << "run entries in force are shown when they fail";
  EXPECT_TRUE(s.is_skipped("Suite.SlowOne"));
  EXPECT_FALSE(s.is_skipped("Suite.Flaky"));
  EXPECT_FALSE(s.is_skipped("Suite.Old"));
  EXPECT_EQ(s.skip_patterns(), std::vector<std::string>{"Suite.Slow*"});
  EXPECT_FALSE(s.quarantine_note_for("Suite.Old")) << "expired";
  EXPECT_FALSE(s.quarantine_note_for("Suite.SlowOne")) << "skip, not run";
  const auto note = s.quarantine_note_for("Suite.Flaky");
  ASSERT_TRUE(note);
  EXPECT_EQ(note->line, 17);
  EXPECT_EQ(note->file, (dir() / "testscope-quarantine.toml").string());

  ::testing::internal::CaptureStderr();
  const TestSession secondary = session(options(), ProcessRole::kSecondary);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_TRUE(secondary.is_skipped("Suite.SlowOne")) << "the lookup still works";
}

TEST_F(SessionTest, ProblemsAreWarningsAndTheStatusStaysTheFrameworks) {
  quarantine({{"Suite.Flaky", "sometimes", 30}});
  const fs::path blocker = dir() / "a_file";
  std::ofstream(blocker) << "not a folder";
  SessionOptions o = options();
  o.artifacts_dir = (blocker / "out").string();
  ::testing::internal::CaptureStderr();
  TestSession s = session(o);
  s.begin_program();
  run_test(s, "Suite", "Flaky", Outcome::kFail, 1);
  const int status = s.end_program(1);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(status, 1) << "a bad quarantine file applies nothing";
  EXPECT_NE(err.find("testscope-quarantine.toml:7"), std::string::npos) << err;
  EXPECT_NE(err.find("nothing is quarantined"), std::string::npos) << err;
  EXPECT_NE(err.find("testscope: warning: cannot write artifacts: "), std::string::npos) << err;
  EXPECT_NE(err.find((blocker / "out").string()), std::string::npos) << err;
  EXPECT_NE(err.find("artifact writes failed in all; test results are unaffected"), std::string::npos) << err;
}

TEST_F(SessionTest, CallsOutOfOrderAreIgnored) {
  TestSession s = session(options(ConsoleMode::kAlways));
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(s.end_test(Outcome::kFail).root_span_id, 0U) << "no test began";
  s.finish_test();
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
  // A second begin_test() ends the open test as failed and keeps it.
  s.begin_test(test_info("Suite", "Abandoned"));
  s.begin_test(test_info("Suite", "Next"));
  s.end_test(Outcome::kPass);
  s.finish_test();
  EXPECT_EQ(json::parse(slurp(artifacts() / "tests/Suite.Abandoned/summary.json"))["outcome"], "fail");
  EXPECT_EQ(s.end_program(0), 0);
  run_test(s, "Suite", "AfterTheEnd", Outcome::kPass);
  EXPECT_FALSE(fs::exists(artifacts() / "tests/Suite.AfterTheEnd"));

  TestSession moved_to = std::move(s);
  // NOLINTNEXTLINE(bugprone-use-after-move,hicpp-invalid-access-moved): what a moved-from session does
  EXPECT_EQ(s.end_program(3), 3);
  EXPECT_EQ(s.options().artifacts_dir, "");
  EXPECT_EQ(moved_to.options().artifacts_dir, artifacts().string());
}

}  // namespace
}  // namespace testscope
