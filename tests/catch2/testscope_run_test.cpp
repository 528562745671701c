// catch2_fixture under `testscope run` (the command as a process, tests/cli/cli_harness.hpp):
// an abort inside a test case recovered with its spans though the front does nothing for it,
// --shard splitting the test cases exactly and --shuffle --seed reordering them.
#include <set>

#include "catch2_test_support.hpp"
#include "cli_harness.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary
using testscope::catch2_test::catch2_random_order;
using testscope::catch2_test::names_in_start_order;
using testscope::catch2_test::visible_tests;

// The span named `name` in an OTLP/JSON file, or null.
const json* otlp_span(const json& otlp, const std::string& name) {
  for (const json& span : otlp["resourceSpans"][0]["scopeSpans"][0]["spans"]) {
    if (span["name"] == name) return &span;
  }
  return nullptr;
}

// Catch2's signal handler reports the abort to the listener and re-raises it; the test case
// stays open in the recorder's file-backed control block, and the runner rebuilds it.
TEST_F(CliTest, AnAbortInsideACatch2TestCaseIsRecoveredWithItsSpans) {
  const Result r = testscope({"run", "-n", "2", "--", CATCH2_FIXTURE, "passes,[abort]"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.err.find("cannot recover"), std::string::npos) << r.err;
  const json verdicts = read_json("testscope-out/verdicts.json");
  const json& aborted = test_named(verdicts, "catch2_fixture.aborts");
  EXPECT_EQ(aborted["verdict"], "crashed");
  EXPECT_EQ(aborted["runs"], 2);
  EXPECT_EQ(aborted["outcomes"]["crash"], 2);
  EXPECT_EQ(test_named(verdicts, "catch2_fixture.passes")["verdict"], "passed");
  for (const json& t : verdicts["tests"]) EXPECT_NE(t["kind"], "program") << t.dump();

  for (const char* execution : {"1", "2"}) {
    const std::string test_dir =
        std::string("testscope-out/runs/") + execution + "/tests/catch2_fixture.aborts/";
    const json summary = read_json(test_dir + "summary.json");
    EXPECT_EQ(summary["outcome"], "crash");
    ASSERT_EQ(summary["failures"].size(), 2U) << summary.dump();
    EXPECT_EQ(summary["failures"][0]["line"],
              testscope::catch2_test::fixture_line("CHECK_FALSE(\"a failure"));
    EXPECT_NE(summary["failures"][0]["message"].get<std::string>().find("a failure before dying"),
              std::string::npos);
    EXPECT_NE(summary["failures"][1]["message"].get<std::string>().find("signal 6 (SIGABRT)"),
              std::string::npos);
    const json otlp = read_json(test_dir + "trace.otlp.json");
    const json* finished = otlp_span(otlp, "finished_before_death");
    ASSERT_NE(finished, nullptr) << otlp.dump();
    EXPECT_NE((*finished)["attributes"].dump().find("abort"), std::string::npos);
    EXPECT_NE(otlp_span(otlp, "open_at_death"), nullptr) << otlp.dump();
    EXPECT_NE(otlp_span(otlp, "open_on_helper_thread"), nullptr) << otlp.dump();
    const json* root = otlp_span(otlp, "catch2_fixture.aborts");
    ASSERT_NE(root, nullptr);
    EXPECT_EQ((*root)["status"]["code"], 2);
    // The failed CHECK keeps Catch2's kind of failure through the crash; the death is testscope's.
    ASSERT_EQ((*root)["events"].size(), 2U) << root->dump();
    EXPECT_NE((*root)["events"][0].dump().find(R"("catch2.nonfatal_failure")"), std::string::npos)
        << (*root)["events"][0].dump();
    EXPECT_NE((*root)["events"][1].dump().find(R"("testscope.crash")"), std::string::npos)
        << (*root)["events"][1].dump();
    EXPECT_NE(slurp(dir() / (test_dir + "logs.jsonl")).find("about_to_die"), std::string::npos);
  }
}

TEST_F(CliTest, ShardsOfACatch2ProgramSplitItsTestCasesExactly) {
  std::multiset<std::string> union_of_shards;
  for (int i = 1; i <= 2; ++i) {
    const std::string out = "shard" + std::to_string(i);
    const Result r = testscope({"run", "-n", "1", "--shard", std::to_string(i) + "/2", "--out", out, "--",
                                CATCH2_FIXTURE, "--testscope-console=never"});
    EXPECT_EQ(r.exit_code, 1) << r.err;  // each shard has a failing test case
    std::set<std::string> expected;      // test case k (declaration order) in shard k % 2 + 1
    for (std::size_t k = 0; k < visible_tests().size(); ++k) {
      if (static_cast<int>(k % 2) == i - 1) expected.insert(visible_tests()[k]);
    }
    std::set<std::string> ran;
    const json verdicts = read_json(out + "/verdicts.json");
    for (const json& t : verdicts["tests"]) ran.insert(t["name"].get<std::string>());
    EXPECT_EQ(ran, expected) << "shard " << i;
    union_of_shards.insert(ran.begin(), ran.end());
  }
  EXPECT_EQ(union_of_shards, std::multiset<std::string>(visible_tests().begin(), visible_tests().end()));
}

TEST_F(CliTest, ShuffleWithASeedReordersACatch2ProgramAsCatch2Would) {
  const Result r = testscope(
      {"run", "-n", "2", "--shuffle", "--seed", "4242", "--", CATCH2_FIXTURE, "--testscope-console=never"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::set<std::vector<std::string>> orders;
  for (const auto& [execution, seed] : {std::pair{"1", "4242"}, std::pair{"2", "4243"}}) {
    const fs::path root = dir() / "testscope-out/runs" / execution;
    EXPECT_EQ(read_json(fs::relative(root / "run.json", dir()).string())["random_seed"], std::stoi(seed));
    const std::vector<std::string> order = names_in_start_order(root);
    EXPECT_EQ(order, catch2_random_order(seed)) << "execution " << execution;
    EXPECT_NE(order, visible_tests()) << "execution " << execution;
    orders.insert(order);
  }
  EXPECT_EQ(orders.size(), 2U) << "two seeds, two orders";
}

}  // namespace
