// main() for test programs linking testscope::doctest_main: doctest's implementation and a main
// that installs testscope before doctest parses the command line.
#define DOCTEST_CONFIG_IMPLEMENT  // NOLINT(readability-identifier-naming): doctest's own macro
#include <doctest/doctest.h>

#include "testscope/doctest.hpp"

int main(int argc, char** argv) {
  testscope::doctest::install(&argc, argv);
  doctest::Context context(argc, argv);
  return testscope::doctest::run(context);
}
