#include "exporters/all_metrics.hpp"

#include <cstdio>
#include <iterator>

#include "testscope/metrics.hpp"

namespace testscope::detail {

std::vector<prometheus::MetricFamily> AllMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  try {
    families = collect_all();
    for (const auto& weak : extra_) {
      if (auto collectable = weak.lock()) {
        auto more = collectable->Collect();
        families.insert(families.end(), std::make_move_iterator(more.begin()),
                        std::make_move_iterator(more.end()));
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "testscope: warning: collecting metrics failed: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "testscope: warning: collecting metrics failed\n");
  }
  return families;
}

}  // namespace testscope::detail
