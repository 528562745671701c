// The smallest GoogleTest program linked with testscope (testscope::gtest_main): one test,
// one span. bench/runner_overhead.py spawns it directly and through `testscope run` to
// measure what the runner adds per execution (docs/performance.md).
#include <gtest/gtest.h>

#include "testscope/span.hpp"

namespace {

TEST(Trivial, Passes) {
  testscope::Span span("trivial_work");
  EXPECT_EQ(1 + 1, 2);
}

}  // namespace
