// One summary.json cut inside a UTF-8 sequence (issue 14, item 8): the JSON parser's
// message quoted the cut bytes, and writing that message into JSON (report --format json,
// merge's verdicts.json) threw, so `report --format json` printed nothing and `merge`
// refused every input. The bad file must be one problem among good results, in valid JSON.
#include "cli_harness.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

class CutSummaryTest : public CliTest {
 protected:
  // A run of two passing executions whose second Cli.Passes summary is cut after the first
  // byte of a two-byte character, as a write cut short leaves a failure message in French.
  void SetUp() override {
    CliTest::SetUp();
    const Result run =
        testscope({"run", "-n", "2", "--out", "out", "--", CLI_FIXTURE_PROGRAM, "--gtest_filter=Cli.Passes"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const fs::path summary = dir() / "out/runs/2/tests/Cli.Passes/summary.json";
    const std::string text = slurp(summary);
    const auto at = text.find("\"outcome\"");
    ASSERT_NE(at, std::string::npos) << text;
    write_file(summary, text.substr(0, at) + "\"\xC3");  // the first byte of "é"
  }
};

TEST_F(CutSummaryTest, ReportJsonIsValidAndNamesTheFile) {
  const Result table = testscope({"report", "out"});
  const Result r = testscope({"report", "out", "--format", "json"});
  EXPECT_EQ(r.exit_code, table.exit_code) << r.err;
  ASSERT_FALSE(r.out.empty()) << r.err;
  const json report = json::parse(r.out);  // throws on invalid UTF-8, as any strict reader would
  EXPECT_EQ(test_named(report, "Cli.Passes")["runs"], 1);
  ASSERT_EQ(report["problems"].size(), 1U) << report.dump(2);
  EXPECT_EQ(report["problems"][0]["path"], "runs/2/tests/Cli.Passes/summary.json");
  const std::string message = report["problems"][0]["message"];
  EXPECT_NE(message.find("not valid JSON at byte"), std::string::npos) << message;
  EXPECT_NE(message.find("\\xC3"), std::string::npos) << "the cut byte, shown escaped: " << message;
}

TEST_F(CutSummaryTest, MergeTakesTheTreeAndKeepsTheProblem) {
  const Result r = testscope({"merge", "--out", "merged", "out"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(dir() / "merged/verdicts.json")) << r.err;
  const json verdicts = read_json("merged/verdicts.json");
  EXPECT_EQ(verdicts["executions"]["total"], 2);
  EXPECT_EQ(test_named(verdicts, "Cli.Passes")["runs"], 1);
  ASSERT_EQ(verdicts["problems"].size(), 1U) << verdicts.dump(2);
  EXPECT_EQ(verdicts["problems"][0]["path"], "runs/2/tests/Cli.Passes/summary.json");
}

}  // namespace
