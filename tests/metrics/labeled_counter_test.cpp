// LabeledCounter (src/metrics/labeled_counter.cpp): exact totals under concurrency, across
// thread exits and cache evictions, through value() and through the Collect output; bad
// input ignored with one warning; a counter destroyed while its threads live on.
#include <gtest/gtest.h>

#include <barrier>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "testscope/metrics.hpp"

namespace testscope {
namespace {

// The family named `name` in collect_all(), or null (with the test failed if it must exist).
const prometheus::MetricFamily* find_family(const std::vector<prometheus::MetricFamily>& families,
                                            const std::string& name) {
  const prometheus::MetricFamily* found = nullptr;
  for (const prometheus::MetricFamily& family : families) {
    if (family.name == name) {
      EXPECT_EQ(found, nullptr) << "two families named " << name;
      found = &family;
    }
  }
  return found;
}

// The series of `family` with exactly these labels (names and values, in this order).
const prometheus::ClientMetric* find_series(const prometheus::MetricFamily& family,
                                            const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const prometheus::ClientMetric& metric : family.metric) {
    if (metric.label.size() != labels.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      same = same && metric.label[i].name == labels[i].first && metric.label[i].value == labels[i].second;
    }
    if (same) return &metric;
  }
  return nullptr;
}

std::size_t count_families(const std::string& name) {
  std::size_t count = 0;
  for (const prometheus::MetricFamily& family : collect_all()) {
    if (family.name == name) ++count;
  }
  return count;
}

std::size_t count_occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST(LabeledCounterTest, EightThreadsIncrementingSeveralLabelSetsGiveExactTotals) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100'000;
  LabeledCounter counter("lc_test_concurrent_total", "Concurrent increments", {"promo_code", "status"});
  const std::vector<std::pair<std::string, std::string>> sets = {
      {"SUMMER20", "ok"}, {"SUMMER20", "limit"}, {"WINTER5", "ok"}};

  std::atomic<bool> done{false};
  // Reads while the writers write: a total never goes down (and TSan sees the collection race).
  std::thread reader([&] {
    double last = 0;
    while (!done.load()) {
      const double now = counter.value({"SUMMER20", "ok"});
      EXPECT_GE(now, last);
      last = now;
      (void)collect_all();
    }
  });
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Runtime strings, as real label values are; each thread its own copies.
      std::vector<std::pair<std::string, std::string>> mine = sets;
      for (int i = 0; i < kPerThread; ++i) {
        for (const auto& [code, status] : mine) counter.increment({code, status});
      }
      counter.increment({mine[2].first, mine[2].second}, 0.5 * t);  // amounts other than 1
    });
  }
  for (std::thread& t : threads) t.join();
  done = true;
  reader.join();

  constexpr double kExpected = double{kThreads} * kPerThread;
  EXPECT_EQ(counter.value({"SUMMER20", "ok"}), kExpected);
  EXPECT_EQ(counter.value({"SUMMER20", "limit"}), kExpected);
  EXPECT_EQ(counter.value({"WINTER5", "ok"}), kExpected + 0.5 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7));
  EXPECT_EQ(counter.value({"WINTER5", "limit"}), 0.0);  // never incremented
  EXPECT_EQ(counter.value({"SUMMER20"}), 0.0);          // wrong arity

  const std::vector<prometheus::MetricFamily> families = collect_all();
  const prometheus::MetricFamily* family = find_family(families, "lc_test_concurrent_total");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->help, "Concurrent increments");
  EXPECT_EQ(family->type, prometheus::MetricType::Counter);
  ASSERT_EQ(family->metric.size(), 3U);  // one series per label set, however many threads
  for (const auto& [code, status] : sets) {
    const prometheus::ClientMetric* series = find_series(*family, {{"promo_code", code}, {"status", status}});
    ASSERT_NE(series, nullptr) << code << "," << status;
    EXPECT_EQ(series->counter.value, counter.value({code, status})) << code << "," << status;
  }
}

TEST(LabeledCounterTest, ThreadsThatExitAndNewThreadsReusingTheirCellsKeepTotalsExact) {
  LabeledCounter counter("lc_test_thread_churn_total", "Churn", {"status"});
  constexpr int kRounds = 20;
  constexpr int kThreadsPerRound = 4;
  constexpr int kPerThread = 1'000;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::thread> threads;
    threads.reserve(kThreadsPerRound);
    for (int t = 0; t < kThreadsPerRound; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPerThread; ++i) counter.increment({i % 2 == 0 ? "ok" : "error"});
      });
    }
    for (std::thread& t : threads) t.join();
    // Exact after every round: cells of exited threads keep their values for the next owner.
    const double expected = static_cast<double>(round + 1) * kThreadsPerRound * kPerThread / 2;
    ASSERT_EQ(counter.value({"ok"}), expected) << "round " << round;
    ASSERT_EQ(counter.value({"error"}), expected) << "round " << round;
  }
  counter.increment({"ok"}, 3);  // this thread too
  EXPECT_EQ(counter.value({"ok"}), double{kRounds} * kThreadsPerRound * kPerThread / 2 + 3);
}

TEST(LabeledCounterTest, MoreLabelSetsThanAThreadCacheHoldsStayExact) {
  constexpr int kValues = 1'000;  // far more than the 256 cache slots: forces evictions
  constexpr int kPasses = 3;
  LabeledCounter counter("lc_test_evictions_total", "Evictions", {"user", "status"});
  auto work = [&](int offset) {
    for (int pass = 0; pass < kPasses; ++pass) {
      for (int v = 0; v < kValues; ++v) {
        const std::string user = "user-" + std::to_string((v + offset) % kValues);
        counter.increment({user, "ok"});
        counter.increment({user, "ok"}, 2);  // a hit right after the (possible) miss
      }
    }
  };
  std::thread a(work, 0);
  std::thread b(work, kValues / 2);
  a.join();
  b.join();
  work(17);
  for (int v = 0; v < kValues; ++v) {
    ASSERT_EQ(counter.value({"user-" + std::to_string(v), "ok"}), 3.0 * 3 * kPasses) << v;
  }
  const std::vector<prometheus::MetricFamily> families = collect_all();
  const prometheus::MetricFamily* family = find_family(families, "lc_test_evictions_total");
  ASSERT_NE(family, nullptr);
  EXPECT_EQ(family->metric.size(), static_cast<std::size_t>(kValues));
}

TEST(LabeledCounterTest, WrongArityNegativeAndNanAreIgnoredWithOneWarning) {
  LabeledCounter counter("lc_test_bad_calls_total", "Bad calls", {"promo_code", "status"});
  testing::internal::CaptureStderr();
  counter.increment({"SUMMER20"});
  counter.increment({"SUMMER20", "ok", "extra"});
  counter.increment({});
  counter.increment({"SUMMER20", "ok"}, -1.0);
  counter.increment({"SUMMER20", "ok"}, std::numeric_limits<double>::quiet_NaN());
  counter.increment({"SUMMER20", "ok"}, -std::numeric_limits<double>::infinity());
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(counter.value({"SUMMER20", "ok"}), 0.0);
  EXPECT_EQ(count_occurrences(err, "testscope: warning"), 1U) << err;
  EXPECT_EQ(count_occurrences(err, "lc_test_bad_calls_total"), 1U) << err;

  counter.increment({"SUMMER20", "ok"});  // still works after bad calls
  counter.increment({"SUMMER20", "ok"}, 0.0);
  EXPECT_EQ(counter.value({"SUMMER20", "ok"}), 1.0);
}

TEST(LabeledCounterTest, NegativeAndNanAloneAlsoWarnOnce) {
  LabeledCounter counter("lc_test_negative_total", "Negative", {"status"});
  testing::internal::CaptureStderr();
  for (int i = 0; i < 3; ++i) {
    counter.increment({"ok"}, -2.0);
    counter.increment({"ok"}, std::nan(""));
  }
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count_occurrences(err, "lc_test_negative_total"), 1U) << err;
  EXPECT_EQ(counter.value({"ok"}), 0.0);
}

TEST(LabeledCounterTest, InvalidMetricOrLabelNameMakesANoOpThatNeverThrows) {
  struct Case {
    std::string name;
    std::vector<std::string> labels;
  };
  const std::vector<Case> cases = {
      {"1starts_with_digit", {"status"}},
      {"has-dash_total", {"status"}},
      {"", {"status"}},
      {"lc_test_bad_label_total", {"bad-label"}},
      {"lc_test_reserved_label_total", {"status", "__reserved"}},
      {"lc_test_empty_label_total", {""}},
  };
  for (const Case& c : cases) {
    testing::internal::CaptureStderr();
    std::unique_ptr<LabeledCounter> counter;
    EXPECT_NO_THROW(counter = std::make_unique<LabeledCounter>(c.name, "help", c.labels)) << c.name;
    counter->increment({"v"});
    counter->increment({"v", "v"});
    EXPECT_EQ(counter->value({"v"}), 0.0) << c.name;
    EXPECT_EQ(counter->value({"v", "v"}), 0.0) << c.name;
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(count_occurrences(err, "testscope: warning"), 1U) << c.name << ": " << err;
    for (const prometheus::MetricFamily& family : collect_all()) {
      EXPECT_FALSE(!c.name.empty() && family.name == c.name) << c.name << " was collected";
    }
  }
}

TEST(LabeledCounterTest, CopiesShareTheFamily) {
  LabeledCounter counter("lc_test_copies_total", "Copies", {"status"});
  LabeledCounter copy = counter;
  copy.increment({"ok"}, 2);
  counter.increment({"ok"});
  EXPECT_EQ(counter.value({"ok"}), 3.0);
  EXPECT_EQ(copy.value({"ok"}), 3.0);
  EXPECT_EQ(count_families("lc_test_copies_total"), 1U);
}

TEST(LabeledCounterTest, CountersWithTheSameNameAreOneFamily) {
  LabeledCounter in_one_file("lc_test_same_name_total", "Same name", {"status"});
  LabeledCounter in_another("lc_test_same_name_total", "Same name", {"status"});
  in_one_file.increment({"ok"});
  in_another.increment({"ok"}, 2);
  EXPECT_EQ(in_one_file.value({"ok"}), 3.0);
  EXPECT_EQ(in_another.value({"ok"}), 3.0);

  testing::internal::CaptureStderr();
  LabeledCounter other_labels("lc_test_same_name_total", "Same name", {"code", "status"});
  other_labels.increment({"x", "ok"});
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(count_occurrences(err, "testscope: warning"), 1U) << err;
  EXPECT_EQ(other_labels.value({"x", "ok"}), 0.0);

  const std::vector<prometheus::MetricFamily> families = collect_all();
  const prometheus::MetricFamily* family = find_family(families, "lc_test_same_name_total");  // fails on two
  ASSERT_NE(family, nullptr);
  ASSERT_EQ(family->metric.size(), 1U);
  EXPECT_EQ(family->metric[0].counter.value, 3.0);
}

TEST(LabeledCounterTest, NoLabelsAndEmptyValuesWork) {
  LabeledCounter plain("lc_test_no_labels_total", "No labels", {});
  plain.increment({});
  plain.increment({}, 4);
  EXPECT_EQ(plain.value({}), 5.0);

  LabeledCounter counter("lc_test_empty_values_total", "Empty values", {"a", "b"});
  counter.increment({"", ""});
  counter.increment({std::string_view(), std::string_view()});  // null data, size 0
  EXPECT_EQ(counter.value({"", ""}), 2.0);
  EXPECT_EQ(counter.value({std::string_view(), ""}), 2.0);
}

TEST(LabeledCounterTest, ValuesContainingNulBytesAreDistinctSeries) {
  using namespace std::string_view_literals;
  LabeledCounter counter("lc_test_nul_total", "NUL in values", {"a", "b"});
  counter.increment({"x\0y"sv, "z"sv});
  counter.increment({"x"sv, "y\0z"sv}, 10);
  counter.increment({"x"sv, "y\0z"sv}, 10);
  EXPECT_EQ(counter.value({"x\0y"sv, "z"sv}), 1.0);
  EXPECT_EQ(counter.value({"x"sv, "y\0z"sv}), 20.0);
}

TEST(LabeledCounterTest, LongAndPermutedValuesAreToldApart) {
  LabeledCounter counter("lc_test_long_values_total", "Long values", {"payload"});
  const std::string base(200, 'p');
  for (int i = 0; i < 50; ++i) {
    const std::string a = base + std::to_string(i);
    const std::string b = std::to_string(i) + base;  // same bytes in another order
    counter.increment({a});
    counter.increment({b}, 2);
  }
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(counter.value({base + std::to_string(i)}), 1.0);
    EXPECT_EQ(counter.value({std::to_string(i) + base}), 2.0);
  }
}

// Threads keep running (and keep their caches) while the counter they used is destroyed
// and new ones are made; ASan would report a use of the old family's memory.
TEST(LabeledCounterTest, CounterDestroyedWhileItsThreadsLiveThenANewOneWorks) {
  constexpr int kThreads = 4;
  constexpr int kGenerations = 30;
  constexpr int kPerThread = 500;
  std::unique_ptr<LabeledCounter> counter;
  std::barrier sync(kThreads + 1);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int generation = 0; generation < kGenerations; ++generation) {
        sync.arrive_and_wait();  // the main thread made this generation's counter
        for (int i = 0; i < kPerThread; ++i) counter->increment({"SUMMER20", i % 3 == 0 ? "limit" : "ok"});
        sync.arrive_and_wait();  // the main thread checks, then destroys it
      }
    });
  }
  for (int generation = 0; generation < kGenerations; ++generation) {
    // Same name, same label values each time: stale cache entries must not match.
    counter = std::make_unique<LabeledCounter>("lc_test_generations_total", "Generations",
                                               std::vector<std::string>{"promo_code", "status"});
    sync.arrive_and_wait();
    sync.arrive_and_wait();
    const int limit_per_thread = (kPerThread + 2) / 3;  // i = 0, 3, 6, ...
    const double limit = double{kThreads} * limit_per_thread;
    EXPECT_EQ(counter->value({"SUMMER20", "limit"}), limit) << generation;
    EXPECT_EQ(counter->value({"SUMMER20", "ok"}), double{kThreads} * kPerThread - limit) << generation;
    EXPECT_EQ(count_families("lc_test_generations_total"), 1U)
        << "a destroyed counter is no longer collected";
    counter.reset();
  }
  for (std::thread& t : threads) t.join();  // thread exit releases cells of dead families
}

// Increments from the destructor of a thread_local made before the counter's per-thread
// cache (so destroyed after it), as a thread-exit hook or a static destructor in the
// main thread might: counted, without touching the destroyed cache.
struct IncrementAtThreadExit {
  LabeledCounter* counter = nullptr;

  IncrementAtThreadExit() = default;
  IncrementAtThreadExit(const IncrementAtThreadExit&) = delete;
  IncrementAtThreadExit& operator=(const IncrementAtThreadExit&) = delete;
  IncrementAtThreadExit(IncrementAtThreadExit&&) = delete;
  IncrementAtThreadExit& operator=(IncrementAtThreadExit&&) = delete;
  ~IncrementAtThreadExit() {
    if (counter != nullptr) {
      counter->increment({"exit", "seen"});    // a label set the thread has used
      counter->increment({"exit", "unseen"});  // and one it has not
    }
  }
};

TEST(LabeledCounterTest, IncrementsAfterTheThreadCacheIsDestroyedAreCounted) {
  LabeledCounter counter("lc_test_thread_exit_total", "Thread exit", {"phase", "kind"});
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int round = 0; round < 5; ++round) {
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&counter] {
        thread_local IncrementAtThreadExit at_exit;  // constructed first, destroyed last
        at_exit.counter = &counter;
        for (int i = 0; i < 1'000; ++i) counter.increment({"exit", "seen"});
      });
    }
    for (std::thread& t : threads) t.join();
    threads.clear();
  }
  EXPECT_EQ(counter.value({"exit", "seen"}), 5.0 * kThreads * 1'001);
  EXPECT_EQ(counter.value({"exit", "unseen"}), 5.0 * kThreads);
}

}  // namespace
}  // namespace testscope
