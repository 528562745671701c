// testscope explain's engine on fixture trees (tests/fixtures/make_explain_trees.py, run by the
// ctest fixture explain.fixture_trees): Fisher's test, one tree per candidate kind, and golden
// text and JSON outputs.
#include "explain/explain.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "analysis/artifact_tree.hpp"
#include "explain/fisher.hpp"

namespace testscope::explain {
namespace {

namespace fs = std::filesystem;

class ExplainTrees : public ::testing::Test {
 protected:
  static ExplainResult explain(const std::string& tree, int top = 5) {
    ExplainOptions options;
    options.top = top;
    return explain_tree(analysis::load_artifact_tree(fs::path(EXPLAIN_TREES_DIR) / tree), options);
  }

  static const Candidate& top_of(const ExplainResult& result) {
    static const Candidate kNone;
    if (result.tests.empty() || result.tests[0].explanations.empty()) return kNone;
    return result.tests[0].explanations[0];
  }
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_golden(const std::string& name, const std::string& actual) {
  const fs::path golden = fs::path(TESTSCOPE_GOLDEN_DIR) / name;
  if (std::getenv("TESTSCOPE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden, std::ios::binary) << actual;
    return;
  }
  EXPECT_EQ(actual, slurp(golden)) << "golden file " << golden << " (TESTSCOPE_UPDATE_GOLDEN=1 rewrites it)";
}

// The lady tasting tea (R's ?fisher.test: p = 0.4857), 2 / C(20, 10) for a perfect 10/10 split,
// and a table enumerated exactly with Python's fractions (the same two-sided rule as R).
TEST(Fisher, MatchesR) {
  EXPECT_NEAR(std::pow(10.0, fisher_log10_p(3, 1, 1, 3)), 0.4857143, 1e-6);
  EXPECT_NEAR(std::pow(10.0, fisher_log10_p(10, 0, 0, 10)), 1.082509e-05, 1e-10);
  EXPECT_NEAR(std::pow(10.0, fisher_log10_p(7, 2, 3, 8)), 0.06977851869492736, 1e-9);
  EXPECT_NEAR(fisher_log10_p(0, 0, 0, 0), 0.0, 1e-12);
  EXPECT_NEAR(fisher_log10_p(5, 5, 5, 5), 0.0, 1e-9);  // p = 1
  // A perfect separation of 500 and 500: far below what a double holds as p, exact as log10.
  EXPECT_NEAR(fisher_best_log10_p(500, 500), -299.131, 0.001);  // log10(2 / C(1000, 500))
}

TEST_F(ExplainTrees, RaceNamesTheLaterReadBeforeTheEarlierWrite) {
  const ExplainResult result = explain("race");
  ASSERT_EQ(result.tests.size(), 1U);
  const TestExplanation& t = result.tests[0];
  EXPECT_EQ(t.status, "explained");
  const Candidate& top = top_of(result);
  EXPECT_EQ(top.kind, CandidateKind::kOrder);
  EXPECT_EQ(top.statement,
            "the second user's db.get_promo began before the first user's db.increment_promo_uses ended");
  EXPECT_EQ(top.failing_holds, top.failing_total);
  EXPECT_EQ(top.passing_holds, 0);
  EXPECT_TRUE(top.significant);
  ASSERT_FALSE(top.support.empty());
  EXPECT_EQ(top.support[0].rfind("both apply_promo had promo.uses=0", 0), 0U) << top.support[0];
  EXPECT_EQ(t.provoked, t.failing + t.passing);
  for (const Candidate& c : t.explanations) {
    EXPECT_EQ(c.statement.find("provoke"), std::string::npos) << c.statement;
  }
}

// Edges in one step of a task (audit's end, write_balance's begin and end: no other lane runs
// between them) hold in exactly the same executions; the top names the earliest and lists the
// others as equal, so the write that conflicts is on the screen.
TEST_F(ExplainTrees, EdgesInOneStepAreListedAsEqual) {
  const ExplainResult result = explain("step");
  const Candidate& top = top_of(result);
  ASSERT_EQ(result.tests.at(0).status, "explained");
  EXPECT_EQ(top.statement, "the second clerk's read_balance began before the first clerk's audit ended");
  ASSERT_EQ(top.equally.size(), 2U);
  EXPECT_EQ(top.equally[0].statement,
            "the second clerk's read_balance began before the first clerk's write_balance began");
  EXPECT_EQ(top.equally[1].statement,
            "the second clerk's read_balance began before the first clerk's write_balance ended");
  for (const Candidate& e : top.equally) {
    EXPECT_EQ(e.failing_holds, top.failing_holds);
    EXPECT_EQ(e.passing_holds, top.passing_holds);
    ASSERT_EQ(e.operations.size(), 2U);
    EXPECT_EQ(e.operations[1].span, "write_balance");
    EXPECT_TRUE(e.equally.empty());
  }
  EXPECT_NE(format_text(result, "OUT").find("Timing cannot tell it from these"), std::string::npos);
  EXPECT_NE(format_json(result).find("\"equally\": [\n"), std::string::npos);
  // The spans around an operation (request and apply_promo around db.get_promo) say nothing more
  // than it does and are not listed.
  EXPECT_TRUE(top_of(explain("race")).equally.empty());
}

// A race that needs two orders at once: either alone holds in every failing execution and in
// some passing ones; the top names one and its refinement the other, which tells the failing
// from the passing among the executions where the first holds.
TEST_F(ExplainTrees, TwoOrdersAtOnceAreTheTopAndItsRefinement) {
  const ExplainResult result = explain("conjunction");
  const Candidate& top = top_of(result);
  ASSERT_EQ(result.tests.at(0).status, "explained");
  ASSERT_EQ(top.operations.size(), 2U);
  ASSERT_EQ(top.refined_by.size(), 1U) << format_text(result, "OUT");
  const Candidate& refined = top.refined_by[0];
  EXPECT_EQ(top.failing_holds, top.failing_total);
  EXPECT_GT(top.passing_holds, 0);
  EXPECT_EQ(refined.failing_holds, top.failing_holds);  // counted where the top holds
  EXPECT_EQ(refined.passing_total, top.passing_holds);
  EXPECT_EQ(refined.passing_holds, 0);
  EXPECT_TRUE(refined.significant);
  std::set<std::string> pairs;
  for (const Candidate* c : {&top, &refined}) {
    ASSERT_EQ(c->operations.size(), 2U);
    std::string a = c->operations[0].span;
    std::string b = c->operations[1].span;
    if (b < a) std::swap(a, b);
    a += "/";
    a += b;
    pairs.insert(a);
  }
  EXPECT_EQ(pairs, (std::set<std::string>{"load/update", "fill/invalidate"}));
  EXPECT_NE(format_text(result, "OUT").find("It is not enough alone"), std::string::npos);
  // An order that separates alone needs no refinement.
  EXPECT_TRUE(top_of(explain("race")).refined_by.empty());
}

TEST_F(ExplainTrees, CoinFlipHasNoSeparatingOrder) {
  const ExplainResult result = explain("coinflip");
  ASSERT_EQ(result.tests.size(), 1U);
  EXPECT_EQ(result.tests[0].status, "nothing_separates");
  for (const Candidate& c : result.tests[0].explanations) EXPECT_FALSE(c.significant);
}

struct KindCase {
  const char* tree;
  CandidateKind kind;
  const char* statement;
};

class ExplainKinds : public ExplainTrees, public ::testing::WithParamInterface<KindCase> {};

TEST_P(ExplainKinds, TopCandidateIsTheOneThatDecides) {
  const ExplainResult result = explain(GetParam().tree);
  ASSERT_EQ(result.tests.size(), 1U);
  const Candidate& top = top_of(result);
  EXPECT_EQ(top.kind, GetParam().kind) << top.statement;
  EXPECT_EQ(top.statement, GetParam().statement);
  EXPECT_TRUE(top.significant);
  EXPECT_EQ(result.tests[0].status,
            GetParam().kind == CandidateKind::kOverlap ? "explained" : "not_ordering");
}

INSTANTIATE_TEST_SUITE_P(
    EveryKind, ExplainKinds,
    ::testing::Values(
        KindCase{"attribute", CandidateKind::kAttribute, "reader's work had mode=slow"},
        KindCase{"event", CandidateKind::kEvent, "reader's work recorded event retry"},
        KindCase{"presence", CandidateKind::kPresence, "writer's fallback ran"},
        KindCase{"error", CandidateKind::kError, "writer's work ended with an error"},
        KindCase{"duration", CandidateKind::kDuration,
                 "writer's work took longer than 361.0 us (its own time, injected waits excluded)"},
        KindCase{"metric", CandidateKind::kMetric, "metric cache_misses_total changed by 3"},
        KindCase{"overlap", CandidateKind::kOverlap, "writer's flush and reader's scan overlapped"}),
    [](const ::testing::TestParamInfo<KindCase>& param) { return std::string(param.param.tree); });

// Crashed executions count through their recovered traces (the write never ended), and a
// merged tree reads like a run.
TEST_F(ExplainTrees, CrashedAndMergedTreesAreExplained) {
  for (const char* tree : {"crashed", "merged"}) {
    const ExplainResult result = explain(tree);
    ASSERT_EQ(result.tests.size(), 1U) << tree;
    EXPECT_EQ(result.tests[0].status, "explained") << tree;
    EXPECT_EQ(top_of(result).statement,
              "the second user's db.get_promo began before the first user's db.increment_promo_uses ended")
        << tree;
  }
}

TEST_F(ExplainTrees, TooFewExecutionsSaysHowManyMore) {
  // Only the first 4 executions: 1-3 failing, too few for any claim among dozens of candidates.
  const fs::path small = fs::path(EXPLAIN_TREES_DIR) / "race-small";
  fs::remove_all(small);
  fs::create_directories(small / "runs");
  for (int n = 1; n <= 4; ++n) {
    fs::copy(fs::path(EXPLAIN_TREES_DIR) / "race" / "runs" / std::to_string(n),
             small / "runs" / std::to_string(n), fs::copy_options::recursive);
  }
  const ExplainResult result = explain("race-small");
  ASSERT_EQ(result.tests.size(), 1U);
  EXPECT_EQ(result.tests[0].status, "too_few");
  EXPECT_GT(result.tests[0].more_executions, 0);
  EXPECT_NE(result.tests[0].summary.find("Run at least"), std::string::npos) << result.tests[0].summary;
}

TEST_F(ExplainTrees, UnknownTestIsNamed) {
  ExplainOptions options;
  options.tests = {"No.Such"};
  const ExplainResult result =
      explain_tree(analysis::load_artifact_tree(fs::path(EXPLAIN_TREES_DIR) / "race"), options);
  EXPECT_EQ(explain_exit_code(result), 2);
  EXPECT_NE(format_text(result, "OUT").find("No.Such: no such test in OUT"), std::string::npos);
}

TEST_F(ExplainTrees, GoldenOutputs) {
  for (const char* tree : {"race", "crashed", "merged", "coinflip"}) {
    const ExplainResult result = explain(tree);
    expect_golden(std::string(tree) + ".txt", format_text(result, "OUT"));
    expect_golden(std::string(tree) + ".json", format_json(result));
  }
}

}  // namespace
}  // namespace testscope::explain
