// src/catch2/run.cpp through catch2_fixture run as a process: testscope's flags taken out of
// argv beside Catch2's, the TESTSCOPE_* environment, the quarantine (`run`: QUARANTINED and exit
// 0; `skip`: not run), TESTSCOPE_SHARD through an exact test spec and TESTSCOPE_SHUFFLE_SEED as
// Catch2's random order, and a reporter writing XML to stdout left intact.
#include <set>

#include "catch2_test_support.hpp"

namespace testscope::catch2_test {
namespace {

class Catch2Run : public Catch2Test {
 protected:
  fs::path write_quarantine(const std::string& entries) const {
    fs::path path = dir() / "quarantine.toml";
    std::ofstream(path) << "# the team's quarantine\n" << entries;
    return path;
  }
};

TEST_F(Catch2Run, TakesItsFlagsOutOfArgvAndReadsTheEnvironment) {
  const ProcessResult always = fixture({"--testscope-console=always", "passes"});
  EXPECT_EQ(always.exit_code, 0) << always.out << always.err;  // Catch2 saw no unknown option
  EXPECT_NE(always.out.find("testscope ▸ catch2_fixture.passes  PASS"), std::string::npos) << always.out;

  const ProcessResult env = fixture(
      {"fails after a span"}, {"TESTSCOPE_CONSOLE=never", "TESTSCOPE_ARTIFACTS=" + (dir() / "env").string()});
  EXPECT_EQ(env.out.find("testscope ▸"), std::string::npos) << env.out;
  EXPECT_TRUE(fs::exists(dir() / "env/run.json"));
  const ProcessResult both = fixture({"--testscope-console=always", "passes"}, {"TESTSCOPE_CONSOLE=never"});
  EXPECT_NE(both.out.find("testscope ▸ catch2_fixture.passes"), std::string::npos) << "a flag wins";

  const ProcessResult bad = fixture({"--testscope-console=loud", "--testscope-bogus=1", "passes"});
  EXPECT_EQ(bad.exit_code, 0) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("--testscope-console: expected never, failed or always, got 'loud'"),
            std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("unknown flag --testscope-bogus=1"), std::string::npos) << bad.err;
  EXPECT_NE(bad.out.find("All tests passed (1 assertion in 1 test case)"), std::string::npos) << bad.out;

  // GoogleTest's spelling is not this front's: Catch2 rejects it as its own unknown option.
  const ProcessResult underscore = fixture({"--testscope_console=always"});
  EXPECT_EQ(underscore.exit_code, 255);
  EXPECT_NE(underscore.err.find("Unrecognised token: --testscope_console"), std::string::npos)
      << underscore.err;
}

// The quarantine file refuses spaces in a test name (docs/quarantine.md): a Catch2 name with
// spaces is matched by a pattern with '?' for each space.
TEST_F(Catch2Run, QuarantineRunModeShowsTheFailureAndExitsZero) {
  const fs::path file = write_quarantine(quarantine_entry("catch2_fixture.fails?after?a?span", "run") +
                                         quarantine_entry("catch2_fixture.throw?", "run"));
  const fs::path out = dir() / "artifacts";
  const ProcessResult r =
      fixture({"passes,fails after a span,throws"},
              {"TESTSCOPE_QUARANTINE=" + file.string(), "TESTSCOPE_ARTIFACTS=" + out.string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto catch2_failure = r.out.find("FAILED:\n  CHECK( uses == 1 )");
  const auto quarantined =
      r.out.find("[QUARANTINED] catch2_fixture.fails after a span: flaky, see #7 (owner bob");
  ASSERT_NE(quarantined, std::string::npos) << r.out;
  EXPECT_GT(quarantined, catch2_failure) << "after Catch2's failure output\n" << r.out;
  EXPECT_NE(r.out.find("[QUARANTINED] catch2_fixture.throws"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("test cases: 3 | 1 passed | 2 failed"), std::string::npos) << "Catch2's counts stay\n"
                                                                                  << r.out;
  EXPECT_NE(r.err.find("every failure was in a quarantined test; exit code 0"), std::string::npos) << r.err;
  const auto tests = tests_by_name(out);
  const json summary = read_json(tests.at("catch2_fixture.fails after a span") / "summary.json");
  EXPECT_EQ(summary["outcome"], "fail");
  EXPECT_EQ(summary["quarantine"]["entry"], "catch2_fixture.fails?after?a?span");
  EXPECT_EQ(read_json(tests.at("catch2_fixture.throws") / "summary.json")["quarantine"]["entry"],
            "catch2_fixture.throw?");
  EXPECT_EQ(read_json(out / "run.json")["exit_status"], 0);

  // A failure outside the quarantine keeps Catch2's exit status.
  const ProcessResult other =
      fixture({"fails after a span,fails in a section"}, {"TESTSCOPE_QUARANTINE=" + file.string()});
  EXPECT_EQ(other.exit_code, 3) << other.out;
}

TEST_F(Catch2Run, QuarantineSkipModeKeepsTheTestCaseFromRunning) {
  const fs::path file = write_quarantine(quarantine_entry("catch2_fixture.fails*", "skip"));
  const fs::path out = dir() / "artifacts";
  const ProcessResult r =
      fixture({}, {"TESTSCOPE_QUARANTINE=" + file.string(), "TESTSCOPE_ARTIFACTS=" + out.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // throws still fails
  EXPECT_NE(r.err.find("skipping quarantined 'catch2_fixture.fails*'"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("fails after a span"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("fails in a section"), std::string::npos) << r.out;
  std::set<std::string> expected(visible_tests().begin(), visible_tests().end());
  expected.erase("catch2_fixture.fails after a span");
  expected.erase("catch2_fixture.fails in a section");
  std::set<std::string> ran;
  for (const auto& [name, folder] : tests_by_name(out)) ran.insert(name);
  EXPECT_EQ(ran, expected);  // the odd name too: the spec quoted and escaped it exactly
  EXPECT_EQ(read_json(out / "run.json")["tests"]["run"], 5);

  // Nothing left to run: nothing runs, and that passes.
  const ProcessResult none = fixture({"fails after a span"}, {"TESTSCOPE_QUARANTINE=" + file.string()});
  EXPECT_EQ(none.exit_code, 0) << none.out << none.err;
  EXPECT_NE(none.err.find("none of the 1 test cases is left to run"), std::string::npos) << none.err;
}

TEST_F(Catch2Run, TestscopeShardSplitsTheTestCasesExactly) {
  std::multiset<std::string> union_of_shards;
  for (int i = 1; i <= 3; ++i) {
    const fs::path out = dir() / ("shard" + std::to_string(i));
    const ProcessResult r =
        fixture({}, {"TESTSCOPE_SHARD=" + std::to_string(i) + "/3", "TESTSCOPE_ARTIFACTS=" + out.string()});
    EXPECT_TRUE(r.err.empty()) << r.err;
    std::set<std::string> expected;  // test case k (declaration order) runs in shard k % 3 + 1
    for (std::size_t k = 0; k < visible_tests().size(); ++k) {
      if (static_cast<int>(k % 3) == i - 1) expected.insert(visible_tests()[k]);
    }
    std::set<std::string> ran;
    for (const auto& [name, folder] : tests_by_name(out)) ran.insert(name);
    EXPECT_EQ(ran, expected) << "shard " << i;
    union_of_shards.insert(ran.begin(), ran.end());
  }
  EXPECT_EQ(union_of_shards, std::multiset<std::string>(visible_tests().begin(), visible_tests().end()));

  // Names Catch2's spec cannot tell apart (it matches without case) are said to run twice.
  const ProcessResult twins = fixture({"[twins]"}, {"TESTSCOPE_SHARD=1/2"});
  EXPECT_NE(twins.err.find("cannot name exactly the 1 test cases to run"), std::string::npos) << twins.err;
}

TEST_F(Catch2Run, TestscopeShuffleSeedIsCatch2sRandomOrder) {
  std::set<std::vector<std::string>> orders;
  for (const auto& [seed, rng_seed] : std::vector<std::pair<std::string, std::string>>{
           {"4242", "4242"}, {"7", "7"}, {"4294967301", "5"}}) {  // 2^32 + 5: Catch2's seeds are 32-bit
    const fs::path out = dir() / ("seed" + seed);
    fixture({"--testscope-console=never"},
            {"TESTSCOPE_SHUFFLE_SEED=" + seed, "TESTSCOPE_ARTIFACTS=" + out.string()});
    EXPECT_EQ(read_json(out / "run.json")["random_seed"], std::stoll(rng_seed));
    const std::vector<std::string> order = names_in_start_order(out);
    EXPECT_EQ(order, catch2_random_order(rng_seed)) << seed;
    orders.insert(order);
  }
  EXPECT_EQ(orders.size(), 3U) << "three seeds, three orders";
  EXPECT_EQ(orders.count(visible_tests()), 0U) << "none of them the declaration order";
}

TEST_F(Catch2Run, AReporterWritingXmlToStdoutGetsNoTimelineInIt) {
  const fs::path out = dir() / "artifacts";
  const ProcessResult r =
      fixture({"-r", "junit", "fails after a span"}, {"TESTSCOPE_ARTIFACTS=" + out.string()});
  EXPECT_EQ(r.out.rfind("<?xml", 0), 0U) << r.out;
  EXPECT_EQ(r.out.find("testscope"), std::string::npos) << r.out;
  EXPECT_EQ(tests_by_name(out).size(), 1U) << "the artifacts are still written";
  // With -o FILE stdout is free again.
  const ProcessResult to_file =
      fixture({"-r", "junit", "-o", (dir() / "junit.xml").string(), "fails after a span"});
  EXPECT_NE(to_file.out.find("testscope ▸ catch2_fixture.fails after a span  FAIL"), std::string::npos)
      << to_file.out;
}

}  // namespace
}  // namespace testscope::catch2_test
