// The quarantine file applied by the GoogleTest integration, in a real test program
// (fixture_program): run mode keeps the exit code 0 and marks the failure QUARANTINED on the
// console and in summary.json; skip mode keeps the test from running; an expired entry
// stops applying and says so; a bad file applies nothing and names its line.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "subprocess.hpp"
#include "testscope/quarantine.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::run_process;
using testing_support::slurp;

class QuarantineGtestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("quarantine_gtest_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // One [[quarantine]] block for `test`, expiring `days` from today (negative: expired).
  static std::string entry(const std::string& test, const std::string& mode, int days = 30) {
    const quarantine::Date today = quarantine::Date::today();
    return "[[quarantine]]\ntest = \"" + test +
           "\"\nreason = \"flaky, see #1\"\nowner = \"alice\"\nadded = " +
           today.plus_days(std::min(days, 0) - 10).to_string() +
           "\nexpires = " + today.plus_days(days).to_string() + "\nmode = \"" + mode + "\"\n\n";
  }

  fs::path write_file(const std::string& text) const {
    fs::path path = dir_ / "quarantine.toml";
    std::ofstream(path) << "# the team's quarantine\n" << text;
    return path;
  }

  static testing_support::ProcessResult run(const std::string& filter, const std::vector<std::string>& env,
                                            const std::string& program = FIXTURE_PROGRAM) {
    return run_process({program, "--gtest_filter=" + filter}, env);
  }

  json summary(const std::string& test) const {
    return json::parse(slurp(dir_ / "artifacts/tests" / test / "summary.json"));
  }

  std::string artifacts() const { return "TESTSCOPE_ARTIFACTS=" + (dir_ / "artifacts").string(); }

  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

TEST_F(QuarantineGtestTest, RunModeReportsTheFailureWithoutFailingTheProgram) {
  const fs::path file = write_file(entry("Fixture.FailsTwice", "run") + entry("Fixture.Throw?", "run"));
  const auto r = run("Fixture.Passes:Fixture.FailsTwice:Fixture.Throws",
                     {artifacts(), "TESTSCOPE_QUARANTINE=" + file.string(), "TESTSCOPE_CONSOLE=never"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("[QUARANTINED] Fixture.FailsTwice: flaky, see #1 (owner alice"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("[QUARANTINED] Fixture.Throws"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("every failure was in a quarantined test"), std::string::npos) << r.err;
  const json failed = summary("Fixture.FailsTwice");
  EXPECT_EQ(failed["outcome"], "fail");
  EXPECT_EQ(failed["quarantine"]["entry"], "Fixture.FailsTwice");
  EXPECT_EQ(failed["quarantine"]["owner"], "alice");
  EXPECT_EQ(failed["quarantine"]["line"], 2);
  EXPECT_EQ(summary("Fixture.Throws")["quarantine"]["entry"], "Fixture.Throw?");
  EXPECT_TRUE(summary("Fixture.Passes")["quarantine"].is_null());
  EXPECT_EQ(json::parse(slurp(dir() / "artifacts/run.json"))["exit_status"], 0);
}

TEST_F(QuarantineGtestTest, AFailureOutsideTheQuarantineStillFails) {
  const fs::path file = write_file(entry("Fixture.FailsTwice", "run"));
  const auto r =
      run("Fixture.FailsTwice:Fixture.Throws", {artifacts(), "TESTSCOPE_QUARANTINE=" + file.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(json::parse(slurp(dir() / "artifacts/run.json"))["exit_status"], 1);
}

TEST_F(QuarantineGtestTest, SkipModeKeepsTheTestFromRunning) {
  const fs::path file = write_file(entry("Fixture.Fails*", "skip"));
  const auto r =
      run("Fixture.Passes:Fixture.FailsTwice", {artifacts(), "TESTSCOPE_QUARANTINE=" + file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("[ RUN      ] Fixture.FailsTwice"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("skipping quarantined 'Fixture.Fails*'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir() / "artifacts/tests/Fixture.FailsTwice"));
}

TEST_F(QuarantineGtestTest, AnExpiredEntryStopsApplyingAndSaysSo) {
  const fs::path file = write_file(entry("Fixture.FailsTwice", "run", -1));
  const auto r = run("Fixture.FailsTwice", {artifacts(), "TESTSCOPE_QUARANTINE=" + file.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("EXPIRED on"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("[QUARANTINED]"), std::string::npos);
  EXPECT_TRUE(summary("Fixture.FailsTwice")["quarantine"].is_null());
}

TEST_F(QuarantineGtestTest, ABadFileAppliesNothingAndNamesItsLine) {
  const fs::path file = write_file(entry("Fixture.FailsTwice", "sometimes"));
  const auto r = run("Fixture.FailsTwice", {"TESTSCOPE_QUARANTINE=" + file.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(file.string() + ":8"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing is quarantined"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("[  FAILED  ] Fixture.FailsTwice"), std::string::npos);  // the tests still ran
}

TEST_F(QuarantineGtestTest, AMissingExplicitFileIsAWarning) {
  const auto r = run("Fixture.Passes", {"TESTSCOPE_QUARANTINE=" + (dir() / "nope.toml").string()});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("nope.toml: no such quarantine file"), std::string::npos) << r.err;
}

TEST_F(QuarantineGtestTest, TheFileBesideTheProgramIsFoundWithoutAFlag) {
  const fs::path program = dir() / "fixture_program";
  fs::copy_file(FIXTURE_PROGRAM, program);
  std::ofstream(dir() / "testscope-quarantine.toml") << entry("Fixture.FailsTwice", "run");
  const auto r = run("Fixture.FailsTwice", {}, program.string());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("[QUARANTINED] Fixture.FailsTwice"), std::string::npos);
}

}  // namespace
}  // namespace testscope
