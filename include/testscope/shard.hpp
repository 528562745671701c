// testscope/shard.hpp: a slice of a test program's tests, as `testscope run --shard I/N`
// asks for it (TESTSCOPE_SHARD=I/N), every front applies it, and testscope-run.json records
// it. One type and one parser for all of them. Header-only; no allocation but format_shard's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace testscope {

inline constexpr std::size_t kMaxShards = 1000000;

// Slice `index` of `total` of a program's tests (TESTSCOPE_SHARD=I/N, 1-based as written).
// The rule every front applies, GoogleTest's: number the tests the program would run without
// sharding (after its filters and quarantine skip) 0, 1, 2, ... in the program's own order,
// before any shuffle; test k belongs to shard I when k % N == I - 1. The shards of one N
// therefore split the tests exactly, whatever the shuffle seed. Plain value.
struct Shard {
  std::size_t index = 1;  // 1..total
  std::size_t total = 1;

  // True when the test at `position` (0-based, as above) belongs to this shard.
  bool includes(std::size_t position) const noexcept { return total != 0 && position % total == index - 1; }
  friend bool operator==(const Shard& a, const Shard& b) noexcept {
    return a.index == b.index && a.total == b.total;
  }
  friend bool operator!=(const Shard& a, const Shard& b) noexcept { return !(a == b); }
};

// "I/N": decimal digits only, 1 <= I <= N <= kMaxShards. nullopt for anything else ("0/4",
// "5/4", "1/4/2", " 1/4", "-1/4", an overflowing number, "").
inline std::optional<Shard> parse_shard(std::string_view text) noexcept {
  const auto number = [](std::string_view digits) -> std::optional<std::size_t> {
    if (digits.empty()) return std::nullopt;
    std::size_t value = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<std::size_t>(c - '0');
      if (value > kMaxShards) return std::nullopt;
    }
    return value;
  };
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto index = number(text.substr(0, slash));
  const auto total = number(text.substr(slash + 1));
  if (!index || !total || *index < 1 || *index > *total) return std::nullopt;
  return Shard{*index, *total};
}

// "I/N", as parse_shard reads it.
inline std::string format_shard(const Shard& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.total);
}

}  // namespace testscope
