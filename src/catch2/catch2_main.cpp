// main() for test programs linking testscope::catch2_main, and Catch2's implementation (the one
// translation unit of the program that defines CATCH_CONFIG_RUNNER).
#define CATCH_CONFIG_RUNNER  // NOLINT(readability-identifier-naming): Catch2's name
#include <catch2/catch.hpp>

#include "testscope/catch2.hpp"

int main(int argc, char** argv) {
  Catch::Session session;
  return testscope::catch2::run(session, argc, argv);
}
