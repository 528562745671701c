// Race zoo, pattern 3: a stale cache fill racing an invalidation (look-aside cache).
//
// A reader misses the price cache, loads the price from the store and fills the cache.
// Meanwhile the price changes: the updater writes the store and invalidates the cache. If
// the update lands between the reader's load and its fill, the reader fills the cache with
// the old price after the invalidation, and the cache serves it until the next update.
// The correct cache refuses a fill whose miss is older than the last invalidation: the
// miss hands out a lease (the cache's generation), an invalidation starts a new
// generation, and the fill is a compare-and-swap on the lease ("leases" in Nishtala et
// al., Scaling Memcache at Facebook, NSDI 2013).
//
// The read request is in flight first; the price update arrives within the spread after.
//
// Ground truth (also in docs/race-zoo.md and ground_truth.json):
//   racy test   StaleCache.RacyFillServesFreshPrice
//   twin        StaleCache.CorrectFillServesFreshPrice
//   threads     reader, updater
//   true cause  the updater's span `invalidate_cache` begins before the reader's span
//               `fill_cache` ends (with the reader's `load_from_store` having read the old
//               price, price=100): the reader's fill lands after the invalidation.
#include <gtest/gtest.h>
#include <testscope/span.hpp>

#include <atomic>
#include <cstdint>
#include <optional>

#include "actors.hpp"

namespace {

constexpr int kOldPrice = 100;
constexpr int kNewPrice = 120;

// The system of record. Thread-safe.
class PriceStore {
 public:
  explicit PriceStore(int price) : price_(price) {}
  int load_from_store() {
    testscope::Span span("load_from_store");
    const int price = price_.load(std::memory_order_relaxed);
    span.set_attribute("price", price);
    return price;
  }
  void update_store(int price) {
    testscope::Span span("update_store");
    span.set_attribute("price", price);
    price_.store(price, std::memory_order_relaxed);
  }
  int current() const { return price_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> price_;
};

// A one-entry look-aside cache. One 64-bit word holds the generation (high half) and the
// cached price plus one (low half, 0 when empty), so every operation is a single atomic
// step. Thread-safe; only fill_with_lease() is safe against stale fills.
class PriceCache {
 public:
  // What a lookup found: the price on a hit; on a miss, the lease to fill with.
  struct Lookup {
    std::optional<int> price;
    std::uint64_t lease = 0;
  };

  Lookup cache_lookup() {
    testscope::Span span("cache_lookup");
    const std::uint64_t word = word_.load(std::memory_order_relaxed);
    Lookup found{price_of(word), word};
    span.set_attribute("cache.hit", found.price.has_value());
    return found;
  }
  // Fills the cache whatever happened since the miss (the race).
  void fill_cache(int price) {
    testscope::Span span("fill_cache");
    span.set_attribute("price", price);
    const std::uint64_t word = word_.load(std::memory_order_relaxed);
    word_.store(make_word(generation_of(word), price), std::memory_order_relaxed);
  }
  // Fills the cache only if no invalidation came since the miss that handed out `lease`.
  void fill_with_lease(int price, std::uint64_t lease) {
    testscope::Span span("fill_cache");
    span.set_attribute("price", price);
    std::uint64_t expected = lease;
    const bool filled = word_.compare_exchange_strong(expected, make_word(generation_of(lease), price),
                                                      std::memory_order_relaxed);
    span.set_attribute("cache.filled", filled);
  }
  void invalidate_cache() {
    testscope::Span span("invalidate_cache");
    std::uint64_t word = word_.load(std::memory_order_relaxed);
    while (!word_.compare_exchange_weak(word, make_word(generation_of(word) + 1, std::nullopt),
                                        std::memory_order_relaxed)) {
    }
  }
  // What a lookup would return now, without a span (for the test's verdict).
  std::optional<int> peek() const { return price_of(word_.load(std::memory_order_relaxed)); }

 private:
  static std::uint64_t make_word(std::uint64_t generation, std::optional<int> price) {
    return generation << 32 | (price ? static_cast<std::uint64_t>(*price) + 1 : 0);
  }
  static std::uint64_t generation_of(std::uint64_t word) { return word >> 32; }
  static std::optional<int> price_of(std::uint64_t word) {
    const auto low = static_cast<std::uint32_t>(word);
    if (low == 0) return std::nullopt;
    return static_cast<int>(low - 1);
  }

  std::atomic<std::uint64_t> word_{0};
};

// The product page's read: the cache, else the store (and fill the cache).
int read_price(PriceCache& cache, PriceStore& store, bool with_lease) {
  testscope::Span span("read_price");
  const PriceCache::Lookup found = cache.cache_lookup();
  if (found.price) return *found.price;
  const int price = store.load_from_store();
  span.set_attribute("price", price);
  if (with_lease) {
    cache.fill_with_lease(price, found.lease);
  } else {
    cache.fill_cache(price);
  }
  return price;
}

// A price change: the store first, then the cache.
void change_price(PriceCache& cache, PriceStore& store, int price) {
  testscope::Span span("change_price");
  store.update_store(price);
  cache.invalidate_cache();
}

// A read in flight while the price changes. Returns what the cache serves afterwards
// (nullopt: empty, the next read goes to the store).
std::optional<int> read_during_update(PriceStore& store, bool with_lease) {
  PriceCache cache;
  race_zoo::run_actors({
      {"reader", 0, [&] { read_price(cache, store, with_lease); }},
      {"updater", race_zoo::random_delay_us(race_zoo::kArrivalSpreadUs),
       [&] { change_price(cache, store, kNewPrice); }},
  });
  return cache.peek();
}

TEST(StaleCache, RacyFillServesFreshPrice) {
  PriceStore store(kOldPrice);
  const std::optional<int> cached = read_during_update(store, /*with_lease=*/false);
  ASSERT_EQ(store.current(), kNewPrice);
  if (cached) {
    EXPECT_EQ(*cached, kNewPrice) << "the cache serves the stale price " << *cached
                                  << " after the store was updated to " << kNewPrice
                                  << " and the cache invalidated";
  }
}

TEST(StaleCache, CorrectFillServesFreshPrice) {
  PriceStore store(kOldPrice);
  const std::optional<int> cached = read_during_update(store, /*with_lease=*/true);
  ASSERT_EQ(store.current(), kNewPrice);
  if (cached) {
    EXPECT_EQ(*cached, kNewPrice) << "the cache serves the stale price " << *cached
                                  << " after the store was updated to " << kNewPrice
                                  << " and the cache invalidated";
  }
}

}  // namespace
