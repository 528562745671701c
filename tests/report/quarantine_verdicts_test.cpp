// Quarantined tests in the analysis: summary.json's "quarantine" object read by both
// readers (the fast one and nlohmann's), carried into the verdict, shown in the table,
// verdicts.json, JUnit (skipped, failures kept as flaky elements) and Markdown, and left
// out of the exit code.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "analysis/artifact_tree.hpp"
#include "analysis/verdicts.hpp"
#include "report/report_formats.hpp"

namespace testscope::analysis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class QuarantineVerdictsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("quarantine_verdicts_" + std::to_string(getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // Execution `n` of Demo.Racy (failing when `fails`) quarantined, and Demo.Broken failing.
  void write_execution(int n, bool fails, const json& quarantine, const std::string& extra = "") {
    const fs::path run = root_ / "runs" / std::to_string(n);
    write(run / "run.json",
          json{{"schema", 1}, {"argv", {"demo_tests"}}, {"exit_status", 0}, {"end_unix_ns", 1}});
    json failures = json::array();
    if (fails) failures.push_back({{"file", "demo.cpp"}, {"line", 3}, {"message", "uses = 2"}});
    json summary = {{"schema", 1},
                    {"test", {{"full_name", "Demo.Racy"}, {"suite", "Demo"}, {"name", "Racy"}}},
                    {"outcome", fails ? "fail" : "pass"},
                    {"duration_ns", 1000},
                    {"quarantine", quarantine},
                    {"failures", failures}};
    std::string text = summary.dump();
    if (!extra.empty()) text.insert(text.size() - 1, extra);  // a member only nlohmann's reader takes
    write(run / "tests/Demo.Racy/summary.json", text);
  }

  static void write(const fs::path& path, const json& doc) { write(path, doc.dump()); }
  static void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  static const TestVerdict& racy(const Verdicts& v) {
    for (const TestVerdict& t : v.tests) {
      if (t.name == "Demo.Racy") return t;
    }
    ADD_FAILURE() << "no Demo.Racy";
    return v.tests.front();
  }

  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

json quarantine() {
  return {{"entry", "Demo.*"},       {"reason", "race, see #1"}, {"owner", "alice"},
          {"expires", "2026-12-04"}, {"file", "q.toml"},         {"line", 2}};
}

TEST_F(QuarantineVerdictsTest, AQuarantinedFlakyTestIsShownEverywhereAndDoesNotFail) {
  write_execution(1, false, quarantine());
  write_execution(2, true, quarantine(), R"(,"duplicate_key_free":{"deep":[1,2,3]})");
  write_execution(3, true, quarantine());
  const ArtifactTree tree = load_artifact_tree(root());
  for (const Execution& e : tree.executions) {  // by both readers: execution 2 takes nlohmann's
    ASSERT_EQ(e.tests.size(), 1U);
    EXPECT_EQ(e.tests[0].quarantine_expires, "2026-12-04") << e.dir;  // for `testscope check`
  }
  const Verdicts v = compute_verdicts(tree);
  ASSERT_TRUE(v.problems.empty()) << v.problems.front().message;
  const TestVerdict& t = racy(v);
  EXPECT_EQ(testscope::analysis::verdict_name(t.verdict), "flaky");
  EXPECT_EQ(t.quarantine, "Demo.* (race, see #1; owner alice; until 2026-12-04)");
  EXPECT_EQ(verdicts_exit_code(v), 0);

  EXPECT_NE(format_table(v, "OUT", false).find("QUARANTINED Demo.* (race, see #1"), std::string::npos);
  const json doc = json::parse(verdicts_json(v));
  EXPECT_EQ(doc["tests"][0]["quarantine"], t.quarantine);
  const std::string junit = format_junit(v, "OUT");
  EXPECT_NE(
      junit.find(
          R"x(<skipped message="QUARANTINED: Demo.* (race, see #1; owner alice; until 2026-12-04)"/>)x"),
      std::string::npos)
      << junit;
  EXPECT_NE(junit.find("<flakyFailure"), std::string::npos);
  EXPECT_EQ(junit.find("<failure"), std::string::npos);
  EXPECT_NE(junit.find(R"(skipped="1")"), std::string::npos) << junit;
  EXPECT_NE(format_markdown(v, "OUT").find(R"(flaky (quarantined: Demo.\* (race)"), std::string::npos);
}

TEST_F(QuarantineVerdictsTest, WithoutQuarantineTheSameTreeFails) {
  write_execution(1, false, nullptr);
  write_execution(2, true, nullptr);
  const ArtifactTree tree = load_artifact_tree(root());
  EXPECT_TRUE(tree.executions[0].tests[0].quarantine_expires.empty());
  const Verdicts v = compute_verdicts(tree);
  EXPECT_TRUE(racy(v).quarantine.empty());
  EXPECT_EQ(verdicts_exit_code(v), 1);
  EXPECT_EQ(format_junit(v, "OUT").find("QUARANTINED"), std::string::npos);
}

TEST_F(QuarantineVerdictsTest, AMistypedQuarantineIsAProblemNamingTheFile) {
  write_execution(1, true, "Demo.*");
  const ArtifactTree tree = load_artifact_tree(root());
  ASSERT_EQ(tree.problems.size(), 1U);
  EXPECT_NE(tree.problems[0].path.string().find("Demo.Racy/summary.json"), std::string::npos);
}

}  // namespace
}  // namespace testscope::analysis
