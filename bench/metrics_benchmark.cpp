// What a labelled counter increment costs the thread of the code under test (issue 3 part 2;
// goals in docs/performance.md): LabeledCounter against prometheus-cpp's own ways.
//
// Every benchmark counts the promo example's `promo_uses_total{promo_code, status}` with
// label values that exist only at run time (std::string, as read from a request):
//   BM_LabeledCounterIncrement   promo_uses.increment({code, status})
//                                (goal: <= 30 ns on one thread, <= 60 ns per call with two)
//   BM_FamilyAddIncrement        family.Add({{"promo_code", code}, {"status", status}}).Increment(),
//                                what the seed's `labels(code, status).inc()` becomes in prometheus-cpp
//   BM_CounterIncrementPrelooked counter.Increment() on a prometheus::Counter& looked up before
//                                the loop: the floor, possible only when labels are known up front
// With ->Threads(2) both threads increment the SAME label set: the contended case of a
// race under test. The "CPU" column is what each call cost the thread that made it.
#include <benchmark/benchmark.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <string>

#include "testscope/metrics.hpp"

namespace {

// Label values as a request handler has them: built at run time, one copy per thread.
struct PromoLabels {
  std::string code = std::string("SUMMER") + std::to_string(20);
  std::string status = "ok";
};

testscope::LabeledCounter& labeled_promo_uses() {
  static testscope::LabeledCounter counter("bench_promo_uses_total", "Promo code usage attempts",
                                           {"promo_code", "status"});
  return counter;
}

prometheus::Family<prometheus::Counter>& family_promo_uses() {
  static prometheus::Registry registry;
  static prometheus::Family<prometheus::Counter>& family = prometheus::BuildCounter()
                                                               .Name("bench_promo_uses_total")
                                                               .Help("Promo code usage attempts")
                                                               .Register(registry);
  return family;
}

void BM_LabeledCounterIncrement(benchmark::State& state) {
  testscope::LabeledCounter& promo_uses = labeled_promo_uses();
  const PromoLabels labels;
  for (auto _ : state) promo_uses.increment({labels.code, labels.status});
}
BENCHMARK(BM_LabeledCounterIncrement)->Threads(1)->Threads(2);

void BM_FamilyAddIncrement(benchmark::State& state) {
  prometheus::Family<prometheus::Counter>& family = family_promo_uses();
  const PromoLabels labels;
  for (auto _ : state) family.Add({{"promo_code", labels.code}, {"status", labels.status}}).Increment();
}
BENCHMARK(BM_FamilyAddIncrement)->Threads(1)->Threads(2);

void BM_CounterIncrementPrelooked(benchmark::State& state) {
  const PromoLabels labels;
  prometheus::Counter& counter =
      family_promo_uses().Add({{"promo_code", labels.code}, {"status", labels.status}});
  for (auto _ : state) counter.Increment();
}
BENCHMARK(BM_CounterIncrementPrelooked)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
