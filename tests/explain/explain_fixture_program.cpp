// A test that fails at random, with two threads whose spans race but decide nothing: explain
// must find no separating order in it (tests/explain/explain_cli_test.cpp).
#include <gtest/gtest.h>
#include <testscope/span.hpp>

#include <random>
#include <thread>

namespace {

void worker(const char* name) {
  testscope::set_thread_name(name);
  testscope::Span work("work");
  testscope::Span step("step");
  step.set_attribute("i", 1);
}

TEST(CoinFlip, FailsAtRandom) {
  std::thread a(worker, "left");
  std::thread b(worker, "right");
  a.join();
  b.join();
  std::random_device seed;
  const bool heads = std::uniform_int_distribution<int>(0, 9)(seed) < 3;
  EXPECT_FALSE(heads) << "the coin came up heads";
}

}  // namespace
