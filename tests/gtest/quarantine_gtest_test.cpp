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

// ctest runs each program in its build folder: the file at the repository's root, above it,
// is found from the current folder (issue 14, item 13), or from the program's folder.
TEST_F(QuarantineGtestTest, UnderCtestTheFileAtTheRepositoryRootIsFound) {
  const fs::path repo = dir() / "repo";
  fs::create_directories(repo / ".git");
  fs::create_directories(repo / "build/tests/gtest");
  std::ofstream(repo / "testscope-quarantine.toml") << entry("Fixture.FailsTwice", "run");
  const fs::path cwd = fs::current_path();
  fs::current_path(repo / "build/tests/gtest");
  const auto from_build_folder = run("Fixture.FailsTwice", {});
  fs::current_path(dir());  // outside the repository: only the program's folder leads to the file
  const fs::path program = repo / "build/tests/gtest/fixture_program";
  fs::copy_file(FIXTURE_PROGRAM, program);
  const auto from_program_folder = run("Fixture.FailsTwice", {}, program.string());
  fs::current_path(cwd);
  EXPECT_EQ(from_build_folder.exit_code, 0) << from_build_folder.out << from_build_folder.err;
  EXPECT_NE(from_build_folder.out.find("[QUARANTINED] Fixture.FailsTwice"), std::string::npos);
  EXPECT_EQ(from_program_folder.exit_code, 0) << from_program_folder.out << from_program_folder.err;
}

// A file above the repository's root belongs to something else: it does not apply.
TEST_F(QuarantineGtestTest, TheSearchStopsAtTheRepositoryRoot) {
  fs::create_directories(dir() / "repo/.git");
  fs::create_directories(dir() / "repo/build");
  std::ofstream(dir() / "testscope-quarantine.toml") << entry("Fixture.FailsTwice", "run");
  const fs::path cwd = fs::current_path();
  fs::current_path(dir() / "repo/build");
  const auto r = run("Fixture.FailsTwice", {});
  fs::current_path(cwd);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.find("[QUARANTINED]"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace testscope
