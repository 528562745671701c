// A GoogleTest program with testscope installed, run as a subprocess by
// gtest_integration_test: passing, failing, skipped, throwing, threaded, parameterized
// and typed tests.
#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "testscope/gtest.hpp"
#include "testscope/span.hpp"

namespace {

TEST(Fixture, Passes) {
  testscope::Span span("passing_work");
  span.set_attribute("answer", 42);
  EXPECT_EQ(1 + 1, 2);
}

TEST(Fixture, FailsTwice) {
  testscope::Span span("failing_work");
  span.set_attribute("promo.code", "SUMMER20");
  EXPECT_EQ(std::string("two\nlines"), "one line") << "first failure";
  ADD_FAILURE() << "second failure";
}

TEST(Fixture, Skipped) { GTEST_SKIP() << "not today"; }

TEST(Fixture, Throws) {
  testscope::Span span("about_to_throw");
  throw std::runtime_error("boom from the test");
}

TEST(Fixture, Threads) {
  testscope::Span parent("parent");
  std::thread worker(testscope::wrap([] {
    testscope::set_thread_name("worker");
    testscope::Span child("child_on_worker");
  }));
  worker.join();
}

class Param : public ::testing::TestWithParam<int> {};
TEST_P(Param, Case) {
  testscope::Span span("param_work");
  span.set_attribute("param", GetParam());
}
INSTANTIATE_TEST_SUITE_P(Inst, Param, ::testing::Values(0, 1));

template <typename T>
class Typed : public ::testing::Test {};
using Types = ::testing::Types<int, double>;
TYPED_TEST_SUITE(Typed, Types);
TYPED_TEST(Typed, Works) { EXPECT_EQ(TypeParam{}, TypeParam{}); }

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testscope::gtest::install(&argc, argv);
  // Anything left that GoogleTest did not take is reported, to prove testscope flags are removed.
  for (int i = 1; i < argc; ++i) std::printf("leftover argument: %s\n", argv[i]);
  return RUN_ALL_TESTS();
}
