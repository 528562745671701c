// LabeledCounter: per-thread cells and a per-thread cache of label sets, so that an
// increment takes no lock and touches no cache line another thread writes.
//
// Each series (one set of label values) owns cells, one per thread that incremented it.
// A thread's cache maps (family id, hash of the values) to its cell; a hit is a hash,
// a short compare and a relaxed store. A miss takes the family's lock once, finds or
// creates the series and claims a cell (a free one left by an exited thread, or a new
// one). Collect() sums the cells. Values are never lost: cells outlive their threads.
// After the thread's cache is destroyed at thread exit (a thread_local destructor that
// increments), increments take the family's lock and add to the series directly.
#include <prometheus/check_names.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "testscope/metrics.hpp"

namespace testscope {
namespace detail {

struct alignas(64) CounterCell {
  std::atomic<double> value{0.0};
  std::atomic<bool> in_use{true};
};

struct CounterSeries {
  std::vector<std::string> values;
  std::vector<std::shared_ptr<CounterCell>> cells;  // guarded by the family's mutex
  double without_cell = 0;  // guarded by the family's mutex: increments after thread-cache teardown

  double sum() const noexcept {  // call with the family's mutex held
    double total = without_cell;
    for (const auto& cell : cells) total += cell->value.load(std::memory_order_relaxed);
    return total;
  }
};

struct CounterFamilyState final : prometheus::Collectable {
  std::string name;
  std::string help;
  std::vector<std::string> label_names;
  std::uint64_t id = 0;  // unique for the program's life, never reused
  bool valid = false;
  std::atomic<bool> warned{false};
  mutable std::mutex mutex;
  std::deque<CounterSeries> series;                        // stable addresses
  std::unordered_map<std::string, CounterSeries*> by_key;  // see series_key()

  std::vector<prometheus::MetricFamily> Collect() const override {
    if (!valid) return {};
    prometheus::MetricFamily family;
    family.name = name;
    family.help = help;
    family.type = prometheus::MetricType::Counter;
    std::lock_guard<std::mutex> lock(mutex);
    for (const CounterSeries& s : series) {
      prometheus::ClientMetric metric;
      for (std::size_t i = 0; i < label_names.size(); ++i) {
        metric.label.push_back({label_names[i], s.values[i]});
      }
      metric.counter.value = s.sum();
      family.metric.push_back(std::move(metric));
    }
    return {std::move(family)};
  }

  // True only the first time: a family prints one warning, whatever goes wrong how often.
  bool first_warning() noexcept { return !warned.exchange(true, std::memory_order_relaxed); }
};

namespace {

std::atomic<std::uint64_t> g_next_family_id{1};

// The live families by name (see the constructor). Never destroyed: LabeledCounters may
// be made and destroyed during static destruction.
struct FamilyDirectory {
  std::mutex mutex;
  std::unordered_map<std::string, std::weak_ptr<CounterFamilyState>> by_name;
};

FamilyDirectory& family_directory() {
  // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): leaked on purpose
  static auto* instance = new FamilyDirectory();
  return *instance;
}

std::uint64_t hash_values(std::initializer_list<std::string_view> values, std::uint64_t seed) noexcept {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  std::uint64_t h = seed * kMul;
  for (std::string_view v : values) {
    h = (h ^ v.size()) * kMul;
    std::size_t i = 0;
    for (; i + 8 <= v.size(); i += 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, v.data() + i, 8);
      h = ((h ^ word) * kMul) ^ (h >> 29U);
    }
    std::uint64_t tail = 0;  // up to 7 bytes; a loop, not a call to memcpy
    for (; i < v.size(); ++i) tail = (tail << 8U) | static_cast<unsigned char>(v[i]);
    h = ((h ^ tail) * kMul) ^ (h >> 29U);
  }
  return h ^ (h >> 32U);
}

bool same_values(const std::vector<std::string>& a, std::initializer_list<std::string_view> b) noexcept {
  const auto* it = b.begin();
  for (const std::string& value : a) {
    if (value.size() != it->size()) return false;
    if (!value.empty() && std::memcmp(value.data(), it->data(), value.size()) != 0) return false;
    ++it;
  }
  return true;
}

struct CacheEntry {
  std::uint64_t family_id = 0;
  std::uint64_t hash = 0;
  const CounterSeries* series = nullptr;  // valid while the family with family_id lives
  std::shared_ptr<CounterCell> cell;      // kept alive for the release at thread exit
};

constexpr std::size_t kCacheSlots = 256;
constexpr std::size_t kProbes = 4;

struct ThreadCounterCache {
  std::array<CacheEntry, kCacheSlots> entries;

  ThreadCounterCache() = default;
  ThreadCounterCache(const ThreadCounterCache&) = delete;
  ThreadCounterCache& operator=(const ThreadCounterCache&) = delete;
  ThreadCounterCache(ThreadCounterCache&&) = delete;
  ThreadCounterCache& operator=(ThreadCounterCache&&) = delete;
  ~ThreadCounterCache() {
    for (CacheEntry& e : entries) {
      if (e.cell) e.cell->in_use.store(false, std::memory_order_release);
    }
  }
};

// The calling thread's cache, made on its first increment and destroyed at its exit by
// t_cache_owner. Plain pointers (trivially destructible thread_locals) so that they can
// still be read after the owner's destructor ran: an increment from a later thread_local
// destructor, or from a static destructor on the main thread, then finds t_cache null and
// t_cache_gone set, and takes the locked path instead of using a destroyed cache.
thread_local ThreadCounterCache* t_cache = nullptr;
thread_local bool t_cache_gone = false;

struct ThreadCacheOwner {
  std::unique_ptr<ThreadCounterCache> cache;

  ThreadCacheOwner() = default;
  ThreadCacheOwner(const ThreadCacheOwner&) = delete;
  ThreadCacheOwner& operator=(const ThreadCacheOwner&) = delete;
  ThreadCacheOwner(ThreadCacheOwner&&) = delete;
  ThreadCacheOwner& operator=(ThreadCacheOwner&&) = delete;
  ~ThreadCacheOwner() {
    t_cache = nullptr;
    t_cache_gone = true;
  }
};
thread_local ThreadCacheOwner t_cache_owner;

// The calling thread's cache, or null (thread exiting, or out of memory). The slow paths
// are kept out of line so that the hit path in increment() stays small (fewer spills).
[[gnu::noinline]] ThreadCounterCache* make_thread_cache() noexcept {
  if (t_cache_gone) return nullptr;
  try {
    t_cache_owner.cache = std::make_unique<ThreadCounterCache>();
    t_cache = t_cache_owner.cache.get();
  } catch (...) {
    return nullptr;
  }
  return t_cache;
}

// The series' key in by_key: each value as its length, ':' and its bytes, so that values
// containing '\0' or any other byte cannot run together ("a\0b","c" vs "a","b\0c").
std::string series_key(std::initializer_list<std::string_view> values) {
  std::string key;
  for (std::string_view v : values) {
    key += std::to_string(v.size());
    key += ':';
    key += v;
  }
  return key;
}

// Finds or creates the series; call with the family's mutex held.
CounterSeries& find_series(CounterFamilyState& family, std::initializer_list<std::string_view> values) {
  CounterSeries*& slot = family.by_key[series_key(values)];
  if (slot == nullptr) {
    family.series.emplace_back();
    slot = &family.series.back();
    for (std::string_view v : values) slot->values.emplace_back(v);
  }
  return *slot;
}

// The slow path: finds or creates the series and claims a cell for this thread.
[[gnu::noinline]] CounterCell* claim_cell(CounterFamilyState& family,
                                          std::initializer_list<std::string_view> values, std::uint64_t hash,
                                          ThreadCounterCache& cache) {
  std::shared_ptr<CounterCell> cell;
  const CounterSeries* series = nullptr;
  {
    std::lock_guard<std::mutex> lock(family.mutex);
    CounterSeries& found = find_series(family, values);
    for (const auto& candidate : found.cells) {
      bool expected = false;
      if (candidate->in_use.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
        cell = candidate;
        break;
      }
    }
    if (!cell) {
      cell = std::make_shared<CounterCell>();
      found.cells.push_back(cell);
    }
    series = &found;
  }
  // Cache it: the first free slot of the probe sequence, else evict the first one (its
  // cell is released, keeping its value, for any thread to claim).
  CacheEntry* target = &cache.entries[hash % kCacheSlots];
  for (std::size_t i = 0; i < kProbes; ++i) {
    CacheEntry& e = cache.entries[(hash + i) % kCacheSlots];
    if (!e.cell) {
      target = &e;
      break;
    }
  }
  if (target->cell) target->cell->in_use.store(false, std::memory_order_release);
  target->family_id = family.id;
  target->hash = hash;
  target->series = series;
  target->cell = cell;
  return cell.get();
}

// Without a thread cache: adds under the family's lock.
[[gnu::noinline]] void add_without_cell(CounterFamilyState& family,
                                        std::initializer_list<std::string_view> values, double amount) {
  std::lock_guard<std::mutex> lock(family.mutex);
  find_series(family, values).without_cell += amount;
}

}  // namespace
}  // namespace detail

LabeledCounter::LabeledCounter(std::string name, std::string help, std::vector<std::string> label_names) {
  try {
    // One family per name, as prometheus-cpp's Registry does: two families of one name
    // would be duplicates in the exposition, and the per-test deltas (keyed by name and
    // labels) would keep only one of them.
    detail::FamilyDirectory& directory = detail::family_directory();
    std::lock_guard<std::mutex> lock(directory.mutex);
    std::weak_ptr<detail::CounterFamilyState>& entry = directory.by_name[name];
    if (auto existing = entry.lock()) {
      if (existing->label_names == label_names) {
        state_ = std::move(existing);
        return;
      }
      std::fprintf(stderr,
                   "testscope: warning: LabeledCounter %s: already exists with other label names; this one "
                   "is ignored\n",
                   name.c_str());
      return;  // state_ stays null: a no-op
    }
    auto state = std::make_shared<detail::CounterFamilyState>();
    state->name = std::move(name);
    state->help = std::move(help);
    state->label_names = std::move(label_names);
    state->id = detail::g_next_family_id.fetch_add(1, std::memory_order_relaxed);
    state->valid = prometheus::CheckMetricName(state->name);
    for (const std::string& label : state->label_names) {
      state->valid = state->valid && prometheus::CheckLabelName(label);
    }
    if (!state->valid && state->first_warning()) {
      std::fprintf(
          stderr,
          "testscope: warning: LabeledCounter \"%s\": invalid metric or label name; the counter is ignored\n",
          state->name.c_str());
    }
    register_collectable(state);
    entry = state;
    state_ = std::move(state);
  } catch (...) {
    state_.reset();
  }
}

void LabeledCounter::increment(std::initializer_list<std::string_view> label_values, double amount) noexcept {
  detail::CounterFamilyState* family = state_.get();
  if (family == nullptr || !family->valid) return;
  if (!(amount >= 0.0)) {  // also NaN
    if (family->first_warning()) {
      std::fprintf(stderr,
                   "testscope: warning: LabeledCounter %s: increment() by %g ignored (negative or NaN)\n",
                   family->name.c_str(), amount);
    }
    return;
  }
  if (label_values.size() != family->label_names.size()) {
    if (family->first_warning()) {
      std::fprintf(stderr,
                   "testscope: warning: LabeledCounter %s: increment() got %zu label values for %zu label "
                   "names; ignored\n",
                   family->name.c_str(), label_values.size(), family->label_names.size());
    }
    return;
  }
  const std::uint64_t hash = detail::hash_values(label_values, family->id);
  detail::ThreadCounterCache* cache = detail::t_cache;
  detail::CounterCell* cell = nullptr;
  if (cache != nullptr) {
    for (std::size_t i = 0; i < detail::kProbes; ++i) {
      const detail::CacheEntry& e = cache->entries[(hash + i) % detail::kCacheSlots];
      if (e.family_id == family->id && e.hash == hash &&
          detail::same_values(e.series->values, label_values)) {
        cell = e.cell.get();
        break;
      }
    }
  }
  if (cell == nullptr) {
    try {
      if (cache == nullptr) cache = detail::make_thread_cache();
      if (cache == nullptr) {
        detail::add_without_cell(*family, label_values, amount);
        return;
      }
      cell = detail::claim_cell(*family, label_values, hash, *cache);
    } catch (...) {
      return;
    }
  }
  // Only this thread writes this cell: a relaxed load and store, no read-modify-write.
  cell->value.store(cell->value.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}

double LabeledCounter::value(std::initializer_list<std::string_view> label_values) const {
  if (!state_) return 0.0;
  std::lock_guard<std::mutex> lock(state_->mutex);
  for (const detail::CounterSeries& s : state_->series) {
    if (s.values.size() == label_values.size() && detail::same_values(s.values, label_values)) return s.sum();
  }
  return 0.0;
}

}  // namespace testscope
