// testscope/metrics.hpp: Prometheus metrics per test (prometheus-cpp), and a labelled
// counter cheap enough for a critical section.
//
// testscope reads every registered collectable at the start and end of each test and
// keeps what changed: counter and histogram increases, gauge values at the end. They go
// to metrics.prom (Prometheus text 0.0.4), summary.json, the console section of a failed
// test, and the /metrics endpoint (--testscope_metrics_port).
//
//   // Use testscope's registry, or register your own:
//   auto& uses = prometheus::BuildCounter().Name("promo_uses_total").Help("...")
//                    .Register(*testscope::default_registry());
//   testscope::register_collectable(my_registry);
//
//   // In a critical section, label values known only at run time:
//   static testscope::LabeledCounter promo_uses("promo_uses_total", "Promo code usage attempts",
//                                               {"promo_code", "status"});
//   promo_uses.increment({code, "ok"});
//
// prometheus-cpp's `family.Add(labels).Increment()` looks the label set up under a lock
// on every call (~165 ns, ~760 ns when two threads contend); LabeledCounter keeps a
// per-thread cache of its series and a per-thread cell for each, so an increment takes
// no lock and shares no cache line with other threads (docs/performance.md).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace testscope {

// testscope's registry, registered for capture. Never null; lives for the program.
std::shared_ptr<prometheus::Registry> default_registry();

// Adds a collectable (usually a prometheus::Registry) to those read per test and served
// on /metrics. Held weakly: when it is destroyed it simply stops being read. Registering
// the same collectable again does nothing. Thread-safe.
void register_collectable(const std::weak_ptr<prometheus::Collectable>& collectable);

// Everything registered, collected now (default registry, registered collectables,
// LabeledCounters). Thread-safe; never throws (a failing collectable is skipped).
std::vector<prometheus::MetricFamily> collect_all();

namespace detail {
struct CounterFamilyState;
}

// A counter family with a fixed list of label names whose increments cost a few
// nanoseconds and take no lock after a thread's first use of a label set.
//
// Thread-safe: any number of threads may increment concurrently. Values are exact (each
// thread adds to its own cell; collection sums the cells). The object may be copied;
// copies share the family, and so do LabeledCounters made with the same name and label
// names while one of them lives (with other label names, the newer one is ignored). A bad
// name, bad label names, a wrong number of label values or a negative or NaN amount never
// throw: the family or the call is ignored and a warning is printed once.
class LabeledCounter {
 public:
  LabeledCounter(std::string name, std::string help, std::vector<std::string> label_names);

  // Adds `amount` (>= 0; negative or NaN amounts are ignored) to the series with these
  // label values, in the order of the label names.
  void increment(std::initializer_list<std::string_view> label_values, double amount = 1.0) noexcept;

  // The current value of a series (sum over threads); 0 if it does not exist.
  double value(std::initializer_list<std::string_view> label_values) const;

 private:
  std::shared_ptr<detail::CounterFamilyState> state_;
};

}  // namespace testscope
