// Verdict statistics against values computed by hand (and checked against published
// tables of the Wilson interval, e.g. Newcombe 1998, Table I).
#include "analysis/verdict_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace testscope::analysis {
namespace {

// 3 failures in 10: p = 0.3, z^2/n = 0.38415, centre 0.49208/1.38415 = 0.35551,
// half-width 1.95996/1.38415 * sqrt(0.021 + 0.0096037) = 0.24772.
TEST(WilsonInterval, ThreeOfTen) {
  const Interval i = wilson_interval(3, 10);
  EXPECT_NEAR(i.low, 0.1078, 1e-4);
  EXPECT_NEAR(i.high, 0.6032, 1e-4);
}

// Newcombe 1998, Table I, example (a): 81/263 → 0.2553 to 0.3662.
TEST(WilsonInterval, PublishedExample) {
  const Interval i = wilson_interval(81, 263);
  EXPECT_NEAR(i.low, 0.2553, 1e-4);
  EXPECT_NEAR(i.high, 0.3662, 1e-4);
}

// 0 of 10: low is exactly 0, high = z^2/n / (1 + z^2/n) = 0.38415/1.38415 = 0.27753.
TEST(WilsonInterval, NoFailuresAndAllFailures) {
  const Interval none = wilson_interval(0, 10);
  EXPECT_DOUBLE_EQ(none.low, 0);
  EXPECT_NEAR(none.high, 0.2775, 1e-4);
  const Interval all = wilson_interval(10, 10);  // symmetric
  EXPECT_NEAR(all.low, 1 - 0.2775, 1e-4);
  EXPECT_DOUBLE_EQ(all.high, 1);
}

TEST(WilsonInterval, NoRunsKnowsNothing) {
  const Interval i = wilson_interval(0, 0);
  EXPECT_EQ(i.low, 0);
  EXPECT_EQ(i.high, 1);
}

TEST(WilsonInterval, StaysInsideZeroOne) {
  for (int n = 1; n <= 200; n += 7) {
    for (int k = 0; k <= n; ++k) {
      const Interval i = wilson_interval(k, n);
      EXPECT_GE(i.low, 0);
      EXPECT_LE(i.high, 1);
      EXPECT_LE(i.low, static_cast<double>(k) / n + 1e-12);
      EXPECT_GE(i.high, static_cast<double>(k) / n - 1e-12);
    }
  }
}

// 1 - 0.05^(1/n): n = 1 → 0.95; n = 10 → 1 - 0.74113 = 0.25887; n = 20 → 0.13911;
// n = 100 → 0.029513, close to the rule of three's 3/100.
TEST(ZeroFailureBound, HandComputed) {
  EXPECT_NEAR(zero_failure_bound(1), 0.95, 1e-12);
  EXPECT_NEAR(zero_failure_bound(10), 0.25887, 1e-5);
  EXPECT_NEAR(zero_failure_bound(20), 0.13911, 1e-5);
  EXPECT_NEAR(zero_failure_bound(100), 0.029513, 1e-6);
  EXPECT_NEAR(zero_failure_bound(1000), 3.0 / 1000, 0.0001);
  EXPECT_EQ(zero_failure_bound(0), 1);
}

}  // namespace
}  // namespace testscope::analysis
