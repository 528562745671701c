// examples/promo/promo_catch2.cpp, the promo race as a Catch2 program: its artifact tree passes
// the strict checks the GoogleTest example's does, and `testscope run` repeats it into verdicts
// (the racy test fails only now and then, so its verdict is one of three; the atomic one passes).
#include "catch2_test_support.hpp"
#include "cli_harness.hpp"
#include "promtool.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary
using testscope::catch2_test::tests_by_name;

constexpr const char* kRacy = "PromoRace.racy apply allows exactly one use";
constexpr const char* kAtomic = "PromoRace.atomic apply allows exactly one use";

TEST_F(CliTest, ThePromoCatch2ProgramLeavesAStrictlyValidTree) {
  const fs::path out = dir() / "promo";
  const testscope::testing_support::ProcessResult result = testscope::testing_support::run_process(
      {PROMO_CATCH2, "--testscope-console=never", "--testscope-artifacts=" + out.string()});
  ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 1 || result.exit_code == 2)
      << result.out << result.err;
  const auto tests = tests_by_name(out);
  ASSERT_EQ(tests.size(), 2U);
  EXPECT_EQ(read_json(fs::relative(tests.at(kAtomic) / "summary.json", dir()).string())["outcome"], "pass");
  const json racy = read_json(fs::relative(tests.at(kRacy) / "trace.otlp.json", dir()).string());
  int apply_spans = 0;
  for (const json& span : racy["resourceSpans"][0]["scopeSpans"][0]["spans"]) {
    if (span["name"] == "apply_promo") ++apply_spans;
  }
  EXPECT_EQ(apply_spans, 2);
  for (const auto& [name, test_dir] : tests) {
    const auto promtool =
        testscope::testing_support::promtool_check_metrics(slurp(test_dir / "metrics.prom"));
    EXPECT_TRUE(promtool.passed) << name << ": " << promtool.output;
    EXPECT_NE(slurp(test_dir / "metrics.prom").find("promo_uses_total"), std::string::npos) << name;
  }
  const auto check =
      testscope::testing_support::run_process({TESTSCOPE_PYTHON, OTLP_CHECK, "--tree", out.string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// 30 executions in CI; docs/frameworks.md has a table of 200 run by hand.
TEST_F(CliTest, ThePromoCatch2ProgramThirtyTimes) {
  const Result r = testscope({"run", "-n", "30", "-j", "2", "--", PROMO_CATCH2});
  const json verdicts = read_json("testscope-out/verdicts.json");
  EXPECT_EQ(verdicts["executions"]["total"], 30);
  const json& atomic = test_named(verdicts, kAtomic);
  EXPECT_EQ(atomic["verdict"], "passed");
  EXPECT_EQ(atomic["runs"], 30);
  const json& racy = test_named(verdicts, kRacy);
  EXPECT_EQ(racy["runs"], 30);
  EXPECT_TRUE(racy["verdict"] == "passed" || racy["verdict"] == "flaky" || racy["verdict"] == "failed")
      << racy.dump();
  EXPECT_EQ(r.exit_code, racy["verdict"] == "passed" ? 0 : 1) << r.err;
}

}  // namespace
