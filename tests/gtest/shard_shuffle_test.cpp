// The runner's neutral TESTSCOPE_SHARD and TESTSCOPE_SHUFFLE_SEED, mapped by the GoogleTest
// front onto GoogleTest's own sharding and shuffle, in fixture_program run as a process.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "subprocess.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;
using testing_support::ProcessResult;
using testing_support::run_process;
using testing_support::slurp;

// Every test but the one that waits for a file: 12 tests that end on their own.
constexpr const char* kFilter = "--gtest_filter=Fixture.*:Inst/*:Typed/*:Metrics.*:Logs.*";

// The tests a GoogleTest program ran, in order, from its "[ RUN      ]" lines.
std::vector<std::string> ran(const ProcessResult& r) {
  std::vector<std::string> names;
  std::istringstream lines(r.out);
  const std::string prefix = "[ RUN      ] ";
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) names.push_back(line.substr(prefix.size()));
  }
  return names;
}

ProcessResult run(const std::vector<std::string>& env, const std::vector<std::string>& args = {}) {
  std::vector<std::string> argv = {FIXTURE_PROGRAM, kFilter, "--testscope_console=never"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, env);
}

TEST(GtestShard, TestscopeShardSplitsTheTestsLikeGoogleTestsSharding) {
  const std::vector<std::string> all = ran(run({}));
  ASSERT_EQ(all.size(), 12U);
  std::multiset<std::string> union_of_shards;
  for (int i = 1; i <= 3; ++i) {
    const ProcessResult shard = run({"TESTSCOPE_SHARD=" + std::to_string(i) + "/3"});
    const ProcessResult native = run({"GTEST_TOTAL_SHARDS=3", "GTEST_SHARD_INDEX=" + std::to_string(i - 1)});
    const std::vector<std::string> tests = ran(shard);
    EXPECT_EQ(tests, ran(native)) << "shard " << i;
    EXPECT_LT(tests.size(), all.size());
    union_of_shards.insert(tests.begin(), tests.end());
  }
  EXPECT_EQ(union_of_shards, std::multiset<std::string>(all.begin(), all.end())) << "each test in one shard";
  // TESTSCOPE_SHARD wins over GoogleTest's variables already in the environment.
  EXPECT_EQ(ran(run({"TESTSCOPE_SHARD=2/3", "GTEST_TOTAL_SHARDS=2", "GTEST_SHARD_INDEX=0"})),
            ran(run({"GTEST_TOTAL_SHARDS=3", "GTEST_SHARD_INDEX=1"})));
}

TEST(GtestShuffle, TestscopeShuffleSeedShufflesWithASeedInGoogleTestsRange) {
  const fs::path out = fs::temp_directory_path() / ("gtest_shuffle_" + std::to_string(getpid()));
  const std::vector<std::string> plain = ran(run({}));
  const std::string artifacts = "TESTSCOPE_ARTIFACTS=" + out.string();
  // S within 1..99999 is GoogleTest's seed as it is; above, S modulo 99999; 0 and multiples: 99999.
  for (const auto& [seed, expected] :
       std::vector<std::pair<std::string, int>>{{"4242", 4242},
                                                {"123456", 23457},
                                                {"0", 99999},
                                                {"199998", 99999},
                                                {"18446744073709551615", 81564}}) {
    fs::remove_all(out);
    const ProcessResult shuffled = run({artifacts, "TESTSCOPE_SHUFFLE_SEED=" + seed});
    const auto run_json = nlohmann::json::parse(slurp(out / "run.json"));
    EXPECT_EQ(run_json["random_seed"], expected) << seed;
    EXPECT_EQ(ran(shuffled),
              ran(run({}, {"--gtest_shuffle", "--gtest_random_seed=" + std::to_string(expected)})))
        << "the order of --gtest_random_seed=" << expected;
    std::vector<std::string> sorted = ran(shuffled);
    std::vector<std::string> expected_set = plain;
    std::sort(sorted.begin(), sorted.end());
    std::sort(expected_set.begin(), expected_set.end());
    EXPECT_EQ(sorted, expected_set) << seed;
  }
  EXPECT_NE(ran(run({"TESTSCOPE_SHUFFLE_SEED=4242"})), plain) << "shuffled";
  fs::remove_all(out);
}

TEST(GtestShuffle, BadValuesWarnNameTheVariableAndChangeNothing) {
  const ProcessResult r = run({"TESTSCOPE_SHUFFLE_SEED=12abc", "TESTSCOPE_SHARD=4/3"});
  EXPECT_EQ(ran(r), ran(run({})));
  EXPECT_NE(r.err.find("testscope: warning: TESTSCOPE_SHUFFLE_SEED: expected a decimal number from 0 to "
                       "18446744073709551615, got '12abc'; ignored"),
            std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find("testscope: warning: TESTSCOPE_SHARD: expected I/N with 1 <= I <= N <= 1000000, got '4/3'"),
      std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace testscope
