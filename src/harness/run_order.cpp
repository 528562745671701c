// Shard selection and a shuffle that is the same on every platform (std::shuffle's is not).
#include <utility>

#include "testscope/harness.hpp"

namespace testscope {
namespace {

// splitmix64 (Steele, Lea, Flood 2014): small, fast, and fully specified.
std::uint64_t next_random(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

}  // namespace

std::vector<std::size_t> run_order(std::size_t count, const std::optional<Shard>& shard,
                                   const std::optional<std::uint64_t>& shuffle_seed) {
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < count; ++k) {
    if (!shard || shard->includes(k)) order.push_back(k);
  }
  if (shuffle_seed && order.size() > 1) {
    std::uint64_t state = *shuffle_seed;
    for (std::size_t i = order.size() - 1; i > 0; --i) {
      const auto j = static_cast<std::size_t>(next_random(state) % (i + 1));
      std::swap(order[i], order[j]);
    }
  }
  return order;
}

}  // namespace testscope
