// main() for test programs linking testscope::gtest_main.
#include <gtest/gtest.h>

#include "testscope/gtest.hpp"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testscope::gtest::install(&argc, argv);
  return testscope::gtest::run_all_tests();
}
