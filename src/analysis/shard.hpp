// A slice of a test program's tests, the way GoogleTest shards them (GTEST_TOTAL_SHARDS,
// GTEST_SHARD_INDEX): `testscope run --shard I/N` and the shard recorded per execution in
// testscope-run.json (docs/artifacts.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace testscope::analysis {

// Shard `index` of `total`, 1-based as the flag is written (`--shard 2/4`): GoogleTest's
// GTEST_SHARD_INDEX is index - 1. Valid when 1 <= index <= total. Plain data.
struct Shard {
  int index = 1;
  int total = 1;

  friend bool operator==(const Shard&, const Shard&) = default;
};

// Parses "I/N" (decimal digits only, 1 <= I <= N <= 1000000). nullopt for anything else:
// "0/4", "5/4", "x", "1/4/2", " 1/4", "-1/4", an overflowing number.
std::optional<Shard> parse_shard(std::string_view text);

// "I/N", as parse_shard reads it.
std::string format_shard(const Shard& shard);

}  // namespace testscope::analysis
