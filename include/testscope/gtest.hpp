// testscope/gtest.hpp: capture every GoogleTest test, print its timeline on failure, and
// write its artifacts.
//
// Link testscope::gtest_main instead of GTest::gtest_main, or call install() in your own
// main after InitGoogleTest:
//
//   int main(int argc, char** argv) {
//     testing::InitGoogleTest(&argc, argv);
//     testscope::gtest::install(&argc, argv);
//     return RUN_ALL_TESTS();
//   }
//
// Flags (beside --gtest_*), each with an environment variable; flags win:
//   --testscope_artifacts=DIR           TESTSCOPE_ARTIFACTS   write the artifact tree to DIR
//   --testscope_console=never|failed|always  TESTSCOPE_CONSOLE  timelines on stdout (failed)
// A bad value gets a warning on stderr and the default; the tests run regardless.
#pragma once

#include <string>
#include <vector>

namespace testscope::gtest {

enum class ConsoleMode { kNever, kFailed, kAlways };

struct Options {
  std::string artifacts_dir;  // empty: no files, console only
  ConsoleMode console = ConsoleMode::kFailed;
};

// Reads TESTSCOPE_* variables, then --testscope_* flags, removing those flags from argv.
// Problems (unknown flags, bad values) are appended to `warnings`; never throws.
Options parse_options(int* argc, char** argv, std::vector<std::string>* warnings);

// Parses the options (as above), prints any warnings, and appends testscope's listener to
// GoogleTest's listeners, taking over the default result printer so a failed test's
// timeline is printed right after its "[  FAILED  ]" line. Call once, before
// RUN_ALL_TESTS(). Never throws and never changes the tests' results.
void install(int* argc, char** argv);
// The same with options given by the program; argv is recorded in run.json.
void install(const Options& options, int argc = 0, char** argv = nullptr);

}  // namespace testscope::gtest
