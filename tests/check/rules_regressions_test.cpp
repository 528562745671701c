// Replays every input that ever failed in the fuzzer (regressions/), and the fuzzer's seed
// corpus, through the fuzz target's own function (fuzz/rules_fuzz.cpp, compiled into this
// test): each must give rules or errors and keep the target's invariants.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "../fuzz_inputs.hpp"
#include "rules_fixture.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's name
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

using testscope::testing_support::fuzz_inputs;

void replay(const fs::path& file) {
  const std::string text = rules_test::slurp(file);
  std::fprintf(stderr, "replaying %s (%zu bytes)\n", file.c_str(), text.size());  // named before any abort
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libFuzzer's signature
  EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), 0);
}

TEST(RulesRegressions, EveryInputThatOnceFailedParsesSafely) {
  const auto files = fuzz_inputs(RULES_REGRESSIONS_DIR);
  for (const fs::path& file : files) replay(file);
  RecordProperty("inputs", static_cast<int>(files.size()));
}

TEST(RulesRegressions, TheSeedCorpusParsesSafely) {
  const auto files = fuzz_inputs(RULES_CORPUS_DIR);
  EXPECT_GE(files.size(), 5U);
  for (const fs::path& file : files) replay(file);
}

}  // namespace
