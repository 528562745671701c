// Replays the buffer fuzzer's seeds (fuzz/corpus/buffer: real buffers of a test that
// crashed) and every input that ever failed it (regressions/) through the fuzz target's own
// function (fuzz/buffer_fuzz.cpp, compiled into this test), plus every truncation of each
// seed: a buffer cut anywhere decodes what is whole.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz_inputs.hpp"

// libFuzzer's entry point, by its required name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,  // NOLINT(readability-identifier-naming)
                                      std::size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using testscope::testing_support::fuzz_inputs;

TEST(BufferRegressions, SeedsAndEveryTruncationOfThemDecodeSafely) {
  const auto seeds = fuzz_inputs(BUFFER_CORPUS_DIR);
  ASSERT_FALSE(seeds.empty());
  for (const fs::path& seed : seeds) {
    const std::vector<std::uint8_t> data = bytes_of(seed);
    for (std::size_t n = 0; n <= data.size(); ++n) EXPECT_EQ(LLVMFuzzerTestOneInput(data.data(), n), 0);
  }
}

TEST(BufferRegressions, EveryInputThatOnceFailedDecodesSafely) {
  for (const fs::path& file : fuzz_inputs(BUFFER_REGRESSIONS_DIR)) {
    const std::vector<std::uint8_t> data = bytes_of(file);
    EXPECT_EQ(LLVMFuzzerTestOneInput(data.data(), data.size()), 0) << file;
  }
}

}  // namespace
