// Replays every input that ever crashed or hung the fuzzer (regressions/), and the fuzzer's
// seed corpus, through the fuzz target's own function (fuzz/quarantine_fuzz.cpp, compiled
// into this test): each must give entries or errors, and keep the edit invariants.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "../fuzz_inputs.hpp"
#include "quarantine_test_util.hpp"

// libFuzzer's entry point, by its required name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size);

namespace {

namespace fs = std::filesystem;

using testscope::testing_support::fuzz_inputs;

void replay(const fs::path& file) {
  const std::string text = testscope::quarantine::testing::slurp(file);
  std::fprintf(stderr, "replaying %s (%zu bytes)\n", file.c_str(), text.size());  // named before any abort
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): libFuzzer's signature
  EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), 0);
}

TEST(QuarantineRegressions, EveryInputThatOnceFailedParsesSafely) {
  const auto files = fuzz_inputs(QUARANTINE_REGRESSIONS_DIR);
  for (const fs::path& file : files) replay(file);
  RecordProperty("inputs", static_cast<int>(files.size()));
}

TEST(QuarantineRegressions, TheSeedCorpusParsesSafely) {
  const auto files = fuzz_inputs(QUARANTINE_CORPUS_DIR);
  EXPECT_GE(files.size(), 5U);
  for (const fs::path& file : files) replay(file);
}

}  // namespace
