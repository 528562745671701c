#include "analysis/shard.hpp"

#include <charconv>

namespace testscope::analysis {
namespace {

constexpr int kMaxShards = 1000000;

// The whole of `text` as a decimal number of digits only (no sign, no space), or nullopt.
std::optional<int> whole_number(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Shard> parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto index = whole_number(text.substr(0, slash));
  const auto total = whole_number(text.substr(slash + 1));
  if (!index || !total || *index < 1 || *index > *total || *total > kMaxShards) return std::nullopt;
  return Shard{*index, *total};
}

std::string format_shard(const Shard& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.total);
}

}  // namespace testscope::analysis
