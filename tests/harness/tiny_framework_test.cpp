// docs/frameworks.md's example front (tiny_framework.cpp) run as a real process: its artifact
// tree on disk, its timeline under the failure, quarantine run and skip, TESTSCOPE_SHARD and
// TESTSCOPE_SHUFFLE_SEED; and the example in the docs is the file that is compiled.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "subprocess.hpp"
#include "testscope/quarantine.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::ProcessResult;
using testing_support::run_process;
using testing_support::slurp;

// Every test of tiny_framework.cpp, in its order.
std::vector<std::string> all_tests() {
  return {"Promo.AppliesOnce", "Promo.RacyApply", "Cart.Totals", "Cart.Empty"};
}

class TinyFramework : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tiny_framework_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path artifacts() const { return dir_ / "artifacts"; }
  json summary(const std::string& test) const {
    return json::parse(slurp(artifacts() / "tests" / test / "summary.json"));
  }
  json run_json() const { return json::parse(slurp(artifacts() / "run.json")); }

  // A quarantine file with one entry for `test`, valid for 30 more days.
  fs::path quarantine(const std::string& test, const std::string& mode) const {
    const quarantine::Date today = quarantine::Date::today();
    fs::path path = dir_ / "quarantine.toml";
    std::ofstream(path) << "[[quarantine]]\ntest = \"" << test
                        << "\"\nreason = \"racy, see #7\"\nowner = \"bob\"\n"
                        << "added = " << today.plus_days(-1).to_string()
                        << "\nexpires = " << today.plus_days(30).to_string() << "\nmode = \"" << mode
                        << "\"\n";
    return path;
  }

  // The tests the program ran, in order, from its "[ok]" and "[FAILED]" lines.
  static std::vector<std::string> ran(const ProcessResult& r) {
    std::vector<std::string> names;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      for (const std::string prefix : {"[ok]     ", "[FAILED] "}) {
        if (line.rfind(prefix, 0) == 0) names.push_back(line.substr(prefix.size()));
      }
    }
    return names;
  }

 private:
  fs::path dir_;
};

TEST_F(TinyFramework, WritesEveryArtifactAndPrintsTheTimelineUnderTheFailure) {
  const ProcessResult r = run_process({TINY_FRAMEWORK, "--testscope-artifacts=" + artifacts().string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(r.err.empty()) << "the flag is taken out of argv, nothing to warn about\n" << r.err;
  EXPECT_EQ(ran(r), all_tests());

  const auto failed_line = r.out.find("[FAILED] Promo.RacyApply\n");
  const auto timeline = r.out.find("testscope ▸ Promo.RacyApply  FAIL");
  ASSERT_NE(failed_line, std::string::npos) << r.out;
  ASSERT_NE(timeline, std::string::npos) << r.out;
  EXPECT_GT(timeline, failed_line);
  EXPECT_LT(timeline, r.out.find("[ok]     Cart.Totals")) << "printed before the next test";
  EXPECT_NE(r.out.find("racy_apply", timeline), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("apply_on_worker", timeline), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("✗ failure at", timeline), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("testscope ▸ Promo.AppliesOnce"), std::string::npos) << "passing tests stay quiet";

  const json run = run_json();
  EXPECT_EQ(run["framework"], "tiny");
  EXPECT_EQ(run["exit_status"], 1);
  EXPECT_EQ(run["tests"]["run"], 4);
  EXPECT_EQ(run["tests"]["failed"], 1);
  EXPECT_EQ(run["argv"][1], "--testscope-artifacts=" + artifacts().string());
  for (const std::string& test : all_tests()) {
    for (const char* file :
         {"summary.json", "trace.otlp.json", "trace.chrome.json", "metrics.prom", "logs.jsonl"}) {
      EXPECT_TRUE(fs::exists(artifacts() / "tests" / test / file)) << test << "/" << file;
    }
    EXPECT_EQ(summary(test)["outcome"], test == "Promo.RacyApply" ? "fail" : "pass") << test;
  }
  const json failing = summary("Promo.RacyApply");
  ASSERT_EQ(failing["failures"].size(), 1U);
  EXPECT_EQ(failing["failures"][0]["message"], "CHECK(uses == 1) failed");
  EXPECT_NE(failing["failures"][0]["file"].get<std::string>().find("tiny_framework.cpp"), std::string::npos);
  EXPECT_EQ(failing["counts"]["spans"], 3);  // the test's root, racy_apply, apply_on_worker
  const json otlp = json::parse(slurp(artifacts() / "tests/Promo.RacyApply/trace.otlp.json"));
  EXPECT_EQ(otlp["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"], failing["trace_id"]);
}

TEST_F(TinyFramework, QuarantineRunModeShowsTheFailureAndExitsZero) {
  const ProcessResult r = run_process({TINY_FRAMEWORK, "--testscope-console=never"},
                                      {"TESTSCOPE_ARTIFACTS=" + artifacts().string(),
                                       "TESTSCOPE_QUARANTINE=" + quarantine("Promo.Racy*", "run").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto failed_line = r.out.find("[FAILED] Promo.RacyApply\n");
  const auto quarantined = r.out.find("[QUARANTINED] Promo.RacyApply: racy, see #7 (owner bob, until ");
  ASSERT_NE(failed_line, std::string::npos) << r.out;
  ASSERT_NE(quarantined, std::string::npos) << r.out;
  EXPECT_GT(quarantined, failed_line);
  EXPECT_EQ(r.out.find("testscope ▸"), std::string::npos) << "console=never";
  EXPECT_NE(r.err.find("testscope: every failure was in a quarantined test; exit code 0"), std::string::npos)
      << r.err;
  EXPECT_EQ(summary("Promo.RacyApply")["outcome"], "fail");
  EXPECT_EQ(summary("Promo.RacyApply")["quarantine"]["entry"], "Promo.Racy*");
  EXPECT_EQ(run_json()["exit_status"], 0);
}

TEST_F(TinyFramework, QuarantineSkipModeKeepsTheTestFromRunning) {
  const ProcessResult r =
      run_process({TINY_FRAMEWORK, "--testscope-artifacts=" + artifacts().string(),
                   "--testscope-quarantine=" + quarantine("Promo.RacyApply", "skip").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(ran(r), (std::vector<std::string>{"Promo.AppliesOnce", "Cart.Totals", "Cart.Empty"}));
  EXPECT_NE(r.err.find("testscope: skipping quarantined 'Promo.RacyApply' (racy, see #7; owner bob)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(artifacts() / "tests/Promo.RacyApply"));
}

TEST_F(TinyFramework, ShardsSplitTheTestsByPosition) {
  const ProcessResult first =
      run_process({TINY_FRAMEWORK, "--testscope-console=never"}, {"TESTSCOPE_SHARD=1/2"});
  const ProcessResult second =
      run_process({TINY_FRAMEWORK, "--testscope-console=never"}, {"TESTSCOPE_SHARD=2/2"});
  EXPECT_EQ(ran(first), (std::vector<std::string>{"Promo.AppliesOnce", "Cart.Totals"}));
  EXPECT_EQ(ran(second), (std::vector<std::string>{"Promo.RacyApply", "Cart.Empty"}));
  EXPECT_EQ(first.exit_code, 0);
  EXPECT_EQ(second.exit_code, 1);
}

TEST_F(TinyFramework, AShuffleSeedFixesTheOrder) {
  std::set<std::vector<std::string>> orders;
  for (const char* seed : {"1", "2", "3", "4", "5", "6", "7", "8"}) {
    const std::vector<std::string> env = {std::string("TESTSCOPE_SHUFFLE_SEED=") + seed};
    const std::vector<std::string> once =
        ran(run_process({TINY_FRAMEWORK, "--testscope-console=never"}, env));
    EXPECT_EQ(ran(run_process({TINY_FRAMEWORK, "--testscope-console=never"}, env)), once) << "seed " << seed;
    std::vector<std::string> sorted = once;
    std::vector<std::string> all = all_tests();
    std::sort(sorted.begin(), sorted.end());
    std::sort(all.begin(), all.end());
    EXPECT_EQ(sorted, all) << "every test once, seed " << seed;
    orders.insert(once);
  }
  EXPECT_GT(orders.size(), 2U) << "different seeds, different orders";
}

TEST_F(TinyFramework, BadRunnerVariablesWarnAndAreIgnored) {
  const ProcessResult r =
      run_process({TINY_FRAMEWORK, "--testscope-console=never", "--testscope_console=never"},
                  {"TESTSCOPE_SHARD=3/2", "TESTSCOPE_SHUFFLE_SEED=-5"});
  EXPECT_EQ(ran(r), all_tests()) << "every test, in order";
  EXPECT_NE(r.err.find("testscope: warning: TESTSCOPE_SHARD: expected I/N with 1 <= I <= N"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("got '3/2'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("testscope: warning: TESTSCOPE_SHUFFLE_SEED: expected a decimal number"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("got '-5'"), std::string::npos) << r.err;
  // The other spelling is not testscope's in this front: the framework gets it.
  EXPECT_NE(r.err.find("tiny: unknown argument --testscope_console=never"), std::string::npos) << r.err;
}

TEST(FrameworksDoc, ShowsTheExampleThatIsCompiledAndRun) {
  const std::string doc = slurp(DOCS_FRAMEWORKS_MD);
  const std::string example = slurp(TINY_FRAMEWORK_SOURCE);
  ASSERT_FALSE(example.empty());
  EXPECT_NE(doc.find("```cpp\n" + example + "```\n"), std::string::npos)
      << "docs/frameworks.md must show tests/harness/tiny_framework.cpp verbatim in a ```cpp block";
}

}  // namespace
}  // namespace testscope
