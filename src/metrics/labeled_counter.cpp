// LabeledCounter: per-thread cells and a per-thread cache of label sets, so that an
// increment takes no lock and touches no cache line another thread writes.
//
// Each series (one set of label values) owns cells, one per thread that incremented it.
// A thread's cache maps (family id, hash of the values) to its cell; a hit is a hash,
// a short compare and a relaxed store. A miss takes the family's lock once, finds or
// creates the series and claims a cell (a free one left by an exited thread, or a new
// one). Collect() sums the cells. Values are never lost: cells outlive their threads.
#include <prometheus/check_names.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>

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
  std::unordered_map<std::string, CounterSeries*> by_key;  // values joined by '\0'

  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family;
    family.name = name;
    family.help = help;
    family.type = prometheus::MetricType::Counter;
    std::lock_guard<std::mutex> lock(mutex);
    for (const CounterSeries& s : series) {
      prometheus::ClientMetric metric;
      for (std::size_t i = 0; i < label_names.size(); ++i) metric.label.push_back({label_names[i], s.values[i]});
      for (const auto& cell : s.cells) metric.counter.value += cell->value.load(std::memory_order_relaxed);
      family.metric.push_back(std::move(metric));
    }
    if (!valid) return {};
    return {std::move(family)};
  }

  void warn_once(const std::string& text) {
    if (!warned.exchange(true)) std::fprintf(stderr, "testscope: warning: %s: %s\n", name.c_str(), text.c_str());
  }
};

namespace {

std::atomic<std::uint64_t> g_next_family_id{1};

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
    std::uint64_t tail = 0;
    std::memcpy(&tail, v.data() + i, v.size() - i);
    h = ((h ^ tail) * kMul) ^ (h >> 29U);
  }
  return h ^ (h >> 32U);
}

bool same_values(const std::vector<std::string>& a, std::initializer_list<std::string_view> b) noexcept {
  auto it = b.begin();
  for (const std::string& value : a) {
    if (value.size() != it->size() || std::memcmp(value.data(), it->data(), value.size()) != 0) return false;
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
  CacheEntry entries[kCacheSlots];
  ~ThreadCounterCache() {
    for (CacheEntry& e : entries) {
      if (e.cell) e.cell->in_use.store(false, std::memory_order_release);
    }
  }
};

ThreadCounterCache& thread_cache() {
  thread_local ThreadCounterCache cache;
  return cache;
}

// The slow path: finds or creates the series and claims a cell for this thread.
CounterCell* claim_cell(CounterFamilyState& family, std::initializer_list<std::string_view> values,
                        std::uint64_t hash, ThreadCounterCache& cache) {
  std::string key;
  for (std::string_view v : values) {
    key.append(v);
    key.push_back('\0');
  }
  std::shared_ptr<CounterCell> cell;
  const CounterSeries* series = nullptr;
  {
    std::lock_guard<std::mutex> lock(family.mutex);
    CounterSeries*& slot = family.by_key[key];
    if (slot == nullptr) {
      family.series.emplace_back();
      slot = &family.series.back();
      for (std::string_view v : values) slot->values.emplace_back(v);
    }
    for (const auto& candidate : slot->cells) {
      bool expected = false;
      if (candidate->in_use.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
        cell = candidate;
        break;
      }
    }
    if (!cell) {
      cell = std::make_shared<CounterCell>();
      slot->cells.push_back(cell);
    }
    series = slot;
  }
  // Cache it: the first free slot of the probe sequence, else evict the first one.
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

}  // namespace
}  // namespace detail

LabeledCounter::LabeledCounter(std::string name, std::string help, std::vector<std::string> label_names) {
  try {
    auto state = std::make_shared<detail::CounterFamilyState>();
    state->name = std::move(name);
    state->help = std::move(help);
    state->label_names = std::move(label_names);
    state->id = detail::g_next_family_id.fetch_add(1, std::memory_order_relaxed);
    state->valid = prometheus::CheckMetricName(state->name);
    for (const std::string& label : state->label_names) state->valid = state->valid && prometheus::CheckLabelName(label);
    if (!state->valid) state->warn_once("invalid metric or label name; the counter is ignored");
    register_collectable(state);
    state_ = std::move(state);
  } catch (...) {
    state_.reset();
  }
}

void LabeledCounter::increment(std::initializer_list<std::string_view> label_values, double amount) noexcept {
  detail::CounterFamilyState* family = state_.get();
  if (family == nullptr || !family->valid || !(amount >= 0.0)) return;  // also rejects NaN
  if (label_values.size() != family->label_names.size()) {
    family->warn_once("increment() got " + std::to_string(label_values.size()) + " label values for " +
                      std::to_string(family->label_names.size()) + " label names; ignored");
    return;
  }
  const std::uint64_t hash = detail::hash_values(label_values, family->id);
  detail::ThreadCounterCache& cache = detail::thread_cache();
  detail::CounterCell* cell = nullptr;
  for (std::size_t i = 0; i < detail::kProbes; ++i) {
    const detail::CacheEntry& e = cache.entries[(hash + i) % detail::kCacheSlots];
    if (e.family_id == family->id && e.hash == hash && detail::same_values(e.series->values, label_values)) {
      cell = e.cell.get();
      break;
    }
  }
  if (cell == nullptr) {
    try {
      cell = detail::claim_cell(*family, label_values, hash, cache);
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
    if (s.values.size() == label_values.size() && detail::same_values(s.values, label_values)) {
      double sum = 0;
      for (const auto& cell : s.cells) sum += cell->value.load(std::memory_order_relaxed);
      return sum;
    }
  }
  return 0.0;
}

}  // namespace testscope
