// Per-test metric changes: a snapshot of every registered collectable at the start of a
// test, compared with one at the end.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "testscope/capture.hpp"

namespace testscope::detail {

// All series of all collectables at one moment, keyed by name and labels.
class MetricsSnapshot {
 public:
  static MetricsSnapshot take();
  // What changed since `before`: counter and histogram increases (only series that
  // increased), summary count/sum increases, every gauge's value now. Sorted by name, labels.
  std::vector<MetricSample> since(const MetricsSnapshot& before) const;

 private:
  std::map<std::string, MetricSample> series_;  // key: name + '\0' + labels
};

}  // namespace testscope::detail
