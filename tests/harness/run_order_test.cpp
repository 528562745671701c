// Shard selection and the shuffle every front shares (testscope/harness.hpp): GoogleTest's
// rule for shards, a permutation fixed by the seed alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <vector>

#include "testscope/harness.hpp"

namespace testscope {
namespace {

using Order = std::vector<std::size_t>;

TEST(Shard, TheKthTestBelongsToShardKModNPlusOne) {
  const Shard second{2, 3};
  EXPECT_FALSE(second.includes(0));
  EXPECT_TRUE(second.includes(1));
  EXPECT_FALSE(second.includes(2));
  EXPECT_TRUE(second.includes(4));
  EXPECT_TRUE((Shard{1, 1}).includes(12345));
}

TEST(RunOrder, WithoutShardOrSeedEveryTestInTheProgramsOrder) {
  EXPECT_EQ(run_order(4, std::nullopt, std::nullopt), (Order{0, 1, 2, 3}));
  EXPECT_TRUE(run_order(0, Shard{1, 2}, 7).empty());
}

TEST(RunOrder, TheShardsOfOneTotalSplitTheTestsExactly) {
  EXPECT_EQ(run_order(7, Shard{1, 3}, std::nullopt), (Order{0, 3, 6}));
  EXPECT_EQ(run_order(7, Shard{2, 3}, std::nullopt), (Order{1, 4}));
  EXPECT_EQ(run_order(7, Shard{3, 3}, std::nullopt), (Order{2, 5}));
  EXPECT_TRUE(run_order(2, Shard{3, 3}, std::nullopt).empty()) << "more shards than tests";
  // With a shuffle too: which tests a shard runs does not depend on the seed.
  std::multiset<std::size_t> all;
  for (std::size_t i = 1; i <= 4; ++i) {
    const Order shuffled = run_order(50, Shard{i, 4}, 99);
    Order sorted = shuffled;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, run_order(50, Shard{i, 4}, std::nullopt)) << "shard " << i;
    all.insert(shuffled.begin(), shuffled.end());
  }
  Order expected(50);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(Order(all.begin(), all.end()), expected) << "each test in exactly one shard";
}

TEST(RunOrder, ASeedGivesOnePermutationEverywhere) {
  const Order a = run_order(20, std::nullopt, 12345);
  EXPECT_EQ(run_order(20, std::nullopt, 12345), a);
  Order sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, run_order(20, std::nullopt, std::nullopt)) << "a permutation";
  EXPECT_NE(a, sorted) << "20 tests are shuffled";
  EXPECT_NE(run_order(20, std::nullopt, 12346), a) << "another seed, another order";
  // Pinned: splitmix64 and Fisher-Yates are specified, so the order is the same on every
  // platform and standard library (std::shuffle's is not). A change here changes which
  // order a recorded seed replays.
  EXPECT_EQ(run_order(6, std::nullopt, 0), (Order{4, 2, 5, 3, 0, 1}));
  EXPECT_EQ(run_order(6, std::nullopt, 42), (Order{4, 3, 0, 2, 5, 1}));
}

}  // namespace
}  // namespace testscope
