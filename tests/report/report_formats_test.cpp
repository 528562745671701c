// Verdicts of the hand-made tree tests/fixtures/verdicts_tree (see make_verdicts_tree.py):
// counts, the problems it holds on purpose, and the table, JSON and JUnit outputs
// against golden files. TESTSCOPE_UPDATE_GOLDEN=1 rewrites the golden files.
#include "report/report_formats.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/artifact_tree.hpp"
#include "analysis/verdicts.hpp"

namespace testscope::analysis {
namespace {

namespace fs = std::filesystem;
// The hand-made tree (a function, not a global: building a path may throw).
fs::path verdicts_tree() { return fs::path(TESTSCOPE_FIXTURES_DIR) / "verdicts_tree"; }

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_golden(const std::string& name, const std::string& actual) {
  const fs::path path = fs::path(TESTSCOPE_GOLDEN_DIR) / name;
  if (std::getenv("TESTSCOPE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  EXPECT_EQ(actual, slurp(path)) << "golden file " << path << " (TESTSCOPE_UPDATE_GOLDEN=1 rewrites it)";
}

const TestVerdict& find(const Verdicts& v, const std::string& name) {
  for (const TestVerdict& t : v.tests) {
    if (t.name == name) return t;
  }
  throw std::runtime_error("no verdict for " + name);
}

TEST(Verdicts, FixtureTreeCounts) {
  const Verdicts v = compute_verdicts(load_artifact_tree(verdicts_tree()));
  EXPECT_EQ(v.executions.total, 10);
  EXPECT_EQ(v.executions.crashed, 1);  // runs/10: run.json never finished

  const TestVerdict& flaky = find(v, "Demo.Flaky");
  EXPECT_EQ(testscope::analysis::verdict_name(flaky.verdict), "flaky");
  EXPECT_EQ(flaky.runs, 9);
  EXPECT_EQ(flaky.failures, 2);
  ASSERT_EQ(flaky.failing.size(), 2U);
  EXPECT_EQ(flaky.failing[0].artifacts, "runs/3/tests/Demo.Flaky");
  EXPECT_EQ(flaky.failing[1].execution, "7");
  EXPECT_FALSE(flaky.rules_out_above.has_value());

  const TestVerdict& passes = find(v, "Demo.Passes");
  EXPECT_EQ(testscope::analysis::verdict_name(passes.verdict), "passed");
  EXPECT_EQ(passes.runs, 9);  // runs/5's summary.json is truncated
  ASSERT_TRUE(passes.rules_out_above.has_value());
  EXPECT_NEAR(*passes.rules_out_above, 1 - std::pow(0.05, 1.0 / 9), 1e-12);

  const TestVerdict& fails = find(v, "Demo.AlwaysFails");
  EXPECT_EQ(testscope::analysis::verdict_name(fails.verdict), "failed");
  EXPECT_EQ(fails.runs, 9);
  EXPECT_EQ(fails.failures, 9);

  const TestVerdict& program = find(v, "demo_tests");
  EXPECT_EQ(program.kind, "program");
  EXPECT_EQ(testscope::analysis::verdict_name(program.verdict), "crashed");
  EXPECT_EQ(program.runs, 10);
  EXPECT_EQ(program.crashes, 1);
  EXPECT_EQ(program.example_artifacts, "runs/10");

  EXPECT_EQ(testscope::analysis::verdict_name(v.tests.front().verdict), "flaky");  // flaky first
  EXPECT_EQ(verdicts_exit_code(v), 1);
}

// Byte positions are nlohmann's, counted from 1: a 57-byte file that ends mid-string fails
// at byte 58, the end of input.
TEST(Verdicts, ProblemsNameThePathAndWhatIsWrong) {
  const Verdicts v = compute_verdicts(load_artifact_tree(verdicts_tree()));
  ASSERT_EQ(v.problems.size(), 2U);
  EXPECT_EQ(v.problems[0].path, fs::path("runs/5/tests/Demo.Passes/summary.json"));
  EXPECT_NE(v.problems[0].message.find("not valid JSON at byte 58"), std::string::npos)
      << v.problems[0].message;
  EXPECT_EQ(v.problems[1].path, fs::path("runs/9/run.json"));
  EXPECT_NE(v.problems[1].message.find("missing"), std::string::npos);
  EXPECT_EQ(format_problems(v, "OUT"),
            "testscope: OUT/runs/5/tests/Demo.Passes/summary.json: " + v.problems[0].message + "\n" +
                "testscope: OUT/runs/9/run.json: " + v.problems[1].message + "\n");
}

TEST(Verdicts, CorruptManifestAndWrongFieldsAreProblemsTheRestIsRead) {
  const fs::path tree = fs::temp_directory_path() / ("verdicts_test_" + std::to_string(::getpid()));
  fs::remove_all(tree);
  fs::copy(verdicts_tree(), tree, fs::copy_options::recursive);
  std::ofstream(tree / "testscope-run.json") << R"({"schema": 1, "executions": [)";
  std::ofstream(tree / "runs/2/tests/Demo.Flaky/summary.json")
      << R"({"schema": 1, "test": {"full_name": 7}})";
  const Verdicts v = compute_verdicts(load_artifact_tree(tree));
  fs::remove_all(tree);
  ASSERT_EQ(v.problems.size(), 4U);
  EXPECT_EQ(v.problems[0].path, fs::path("testscope-run.json"));
  EXPECT_NE(v.problems[0].message.find("byte 30"), std::string::npos) << v.problems[0].message;
  EXPECT_EQ(v.problems[1].path, fs::path("runs/2/tests/Demo.Flaky/summary.json"));
  EXPECT_NE(v.problems[1].message.find("string"), std::string::npos) << v.problems[1].message;
  EXPECT_EQ(find(v, "Demo.Flaky").runs, 8);
  EXPECT_EQ(find(v, "Demo.AlwaysFails").runs, 9);
}

TEST(Verdicts, MissingTreeIsAnError) {
  EXPECT_THROW(load_artifact_tree(verdicts_tree() / "no_such_folder"), std::runtime_error);
  EXPECT_THROW(load_artifact_tree(verdicts_tree() / "runs/1/tests/Demo.Flaky"), std::runtime_error);
}

TEST(Verdicts, SingleExecutionRoot) {
  const Verdicts v = compute_verdicts(load_artifact_tree(verdicts_tree() / "runs/3"));
  EXPECT_EQ(v.executions.total, 1);
  EXPECT_EQ(testscope::analysis::verdict_name(find(v, "Demo.Flaky").verdict), "failed");
  EXPECT_EQ(find(v, "Demo.Flaky").example_artifacts, "tests/Demo.Flaky");
}

TEST(Golden, Table) {
  const Verdicts v = compute_verdicts(load_artifact_tree(verdicts_tree()));
  expect_golden("table.txt", format_table(v, "OUT", false));
  const std::string coloured = format_table(v, "OUT", true);
  EXPECT_NE(coloured.find("\x1b["), std::string::npos);
  EXPECT_EQ(format_table(v, "OUT", false).find("\x1b["), std::string::npos);
}

TEST(Golden, Json) {
  const Verdicts v = compute_verdicts(load_artifact_tree(verdicts_tree()));
  const std::string text = verdicts_json(v);
  expect_golden("verdicts.json", text);
  const auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["schema"], 1);
  EXPECT_EQ(doc["tests"][0]["verdict"], "flaky");
}

TEST(Golden, JUnit) {
  expect_golden("junit.xml", format_junit(compute_verdicts(load_artifact_tree(verdicts_tree())), "OUT"));
}

TEST(Golden, Markdown) {
  expect_golden("summary.md", format_markdown(compute_verdicts(load_artifact_tree(verdicts_tree())), "OUT"));
}

}  // namespace
}  // namespace testscope::analysis
