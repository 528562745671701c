// The doctest front under `testscope run`: an abort inside a test case recovered with its
// spans (no front code: the recorder's buffers are files there), --shard splitting the test
// cases exactly, --shuffle --seed reordering them, and the promo example's verdicts.
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli_harness.hpp"
#include "subprocess.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

// The span named `name` in an OTLP/JSON file, or null.
const json* otlp_span(const json& otlp, const std::string& name) {
  for (const json& span : otlp["resourceSpans"][0]["scopeSpans"][0]["spans"]) {
    if (span["name"] == name) return &span;
  }
  return nullptr;
}

// The test cases one execution ran, in the order they started.
std::vector<std::string> ran_in_order(const fs::path& run_root) {
  std::vector<std::pair<std::int64_t, std::string>> started;
  for (const auto& entry : fs::directory_iterator(run_root / "tests")) {
    const json summary = json::parse(slurp(entry.path() / "summary.json"));
    started.emplace_back(summary["start_unix_ns"].get<std::int64_t>(), summary["test"]["full_name"]);
  }
  std::sort(started.begin(), started.end());
  std::vector<std::string> names;
  names.reserve(started.size());
  for (const auto& [start, name] : started) names.push_back(name);
  return names;
}

std::set<std::string> as_set(const std::vector<std::string>& names) { return {names.begin(), names.end()}; }

// doctest_fixture's test cases in declaration (file) order; "Fixture.never runs" is doctest::skip().
const std::vector<std::string>& declaration_order() {
  static const std::vector<std::string> kNames = {"Fixture.passes",
                                                  "Fixture.fails after a span",
                                                  "Fixture.throws",
                                                  "Fixture.threads",
                                                  "Fixture.subcases/../escape",
                                                  "Fixture.aborts when asked",
                                                  "Fixture.typed<int>",
                                                  "Fixture.typed<double>",
                                                  "Fixture.messages",
                                                  "doctest_fixture.outside any suite"};
  return kNames;
}

// `testscope` run in a scratch folder (tests/cli/cli_harness.hpp).
class DoctestRun : public CliTest {};

TEST_F(DoctestRun, AbortInsideATestIsRecoveredWithItsSpans) {
  const Result r =
      testscope({"run", "-n", "2", "--timeout", "20s", "--", DOCTEST_FIXTURE, "-tc=passes,aborts*"},
                {"DOCTEST_FIXTURE_ABORT=1"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.find("cannot recover"), std::string::npos) << r.err;
  const json verdicts = read_json("testscope-out/verdicts.json");
  const json& died = test_named(verdicts, "Fixture.aborts when asked");
  EXPECT_EQ(died["verdict"], "crashed");
  EXPECT_EQ(died["runs"], 2);
  EXPECT_EQ(test_named(verdicts, "Fixture.passes")["verdict"], "passed");
  for (const json& t : verdicts["tests"]) {
    EXPECT_NE(t["kind"], "program") << "the crash is the test's: " << t.dump();
  }

  const fs::path test_dir = dir() / "testscope-out/runs/1/tests" / died["id"].get<std::string>();
  const json summary = json::parse(slurp(test_dir / "summary.json"));
  EXPECT_EQ(summary["outcome"], "crash");
  ASSERT_EQ(summary["failures"].size(), 2U) << summary.dump();
  EXPECT_NE(summary["failures"][0]["message"].get<std::string>().find("logged: a failure before dying"),
            std::string::npos);
  EXPECT_NE(summary["failures"][1]["message"].get<std::string>().find("(SIGABRT)"), std::string::npos);
  const json otlp = json::parse(slurp(test_dir / "trace.otlp.json"));
  const json* finished = otlp_span(otlp, "finished_before_death");
  ASSERT_NE(finished, nullptr) << otlp.dump();
  EXPECT_NE((*finished)["attributes"].dump().find("abort"), std::string::npos);
  EXPECT_NE(otlp_span(otlp, "open_at_death"), nullptr) << otlp.dump();
  const json* root = otlp_span(otlp, "Fixture.aborts when asked");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ((*root)["status"]["code"], 2);
  EXPECT_NE(slurp(test_dir / "logs.jsonl").find("about_to_die"), std::string::npos);
  EXPECT_TRUE(
      fs::exists(dir() / "testscope-out/runs/2/tests" / died["id"].get<std::string>() / "summary.json"));
}

TEST_F(DoctestRun, ShardsSplitTheTestCasesExactly) {
  std::vector<std::vector<std::string>> shards;
  for (const char* shard : {"1/2", "2/2"}) {
    const Result r = testscope({"run", "-n", "1", "--shard", shard, "--out", std::string("shard") + shard[0],
                                "--", DOCTEST_FIXTURE});
    EXPECT_EQ(r.exit_code, 1) << r.err;  // each shard has a failing test case
    shards.push_back(ran_in_order(dir() / (std::string("shard") + shard[0]) / "runs/1"));
  }
  // Numbered in declaration order, test k in shard I when k % 2 == I - 1.
  std::array<std::vector<std::string>, 2> expected;
  for (std::size_t k = 0; k < declaration_order().size(); ++k) {
    expected.at(k % 2).push_back(declaration_order()[k]);
  }
  EXPECT_EQ(shards[0], expected[0]);
  EXPECT_EQ(shards[1], expected[1]);
  std::set<std::string> both = as_set(shards[0]);
  both.insert(shards[1].begin(), shards[1].end());
  EXPECT_EQ(both.size(), shards[0].size() + shards[1].size()) << "no test case in both shards";
  EXPECT_EQ(both, as_set(declaration_order())) << "every test case in one shard";
}

TEST_F(DoctestRun, ShuffleSeedReordersTheTestCases) {
  std::map<std::string, std::vector<std::string>> orders;  // by output folder
  for (const auto& [out, seed] : std::vector<std::pair<std::string, std::string>>{
           {"seed7", "7"}, {"seed7_again", "7"}, {"seed8", "8"}}) {
    const Result r =
        testscope({"run", "-n", "1", "--shuffle", "--seed", seed, "--out", out, "--", DOCTEST_FIXTURE});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    orders[out] = ran_in_order(dir() / out / "runs/1");
    EXPECT_EQ(json::parse(slurp(dir() / out / "runs/1/run.json"))["random_seed"], std::stoi(seed))
        << "doctest's --rand-seed, recorded";
    EXPECT_EQ(as_set(orders[out]), as_set(declaration_order())) << "every test case once";
  }
  EXPECT_EQ(orders["seed7"], orders["seed7_again"]) << "one seed, one order";
  EXPECT_NE(orders["seed7"], declaration_order()) << "shuffled";
  EXPECT_NE(orders["seed7"], orders["seed8"]) << "another seed, another order";
}

TEST_F(DoctestRun, PromoExampleVerdicts) {
#ifndef PROMO_DOCTEST
  GTEST_SKIP() << "examples not built";
#else
  constexpr int kExecutions = 30;
  const Result r = testscope({"run", "-n", std::to_string(kExecutions), "--", PROMO_DOCTEST});
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  const json verdicts = read_json("testscope-out/verdicts.json");
  EXPECT_EQ(verdicts["executions"]["total"], kExecutions);
  EXPECT_EQ(verdicts["executions"]["crashed"], 0);
  EXPECT_EQ(verdicts["tests"].size(), 2U) << verdicts.dump();
  const json& atomic = test_named(verdicts, "PromoRace.AtomicApplyAllowsExactlyOneUse");
  EXPECT_EQ(atomic["verdict"], "passed");
  EXPECT_EQ(atomic["runs"], kExecutions);
  EXPECT_EQ(atomic["failures"], 0);
  const json& racy = test_named(verdicts, "PromoRace.RacyApplyAllowsExactlyOneUse");
  const std::set<std::string> racy_verdicts = {"flaky", "passed", "failed"};
  EXPECT_EQ(racy_verdicts.count(racy["verdict"].get<std::string>()), 1U) << racy.dump();
  EXPECT_EQ(racy["runs"], kExecutions);
  // Every execution's tree passes the strict check (OTLP with the official definitions).
  const testscope::testing_support::ProcessResult check = testscope::testing_support::run_process(
      {TESTSCOPE_PYTHON, OTLP_CHECK, "--tree", (dir() / "testscope-out/runs/1").string(), "--tree",
       (dir() / "testscope-out/runs/30").string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
#endif
}

}  // namespace
