// The inputs a fuzz target's regression test replays: the files of a folder (regressions/
// or a seed corpus), sorted, leaving out its README.md. Shared by the *_regressions_test
// programs, which compile the fuzz target's LLVMFuzzerTestOneInput without libFuzzer.
#pragma once

#include <algorithm>
#include <filesystem>
#include <vector>

namespace testscope::testing_support {

inline std::vector<std::filesystem::path> fuzz_inputs(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename() != "README.md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace testscope::testing_support
