// The metrics the exporters serve and push: everything collect_all() reads, plus a few
// more collectables (testscope's own series), as one prometheus::Collectable.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <vector>

namespace testscope::detail {

// Thread-safe (collect_all() and prometheus-cpp registries are); never throws from
// Collect(): a failing collectable is skipped.
class AllMetrics final : public prometheus::Collectable {
 public:
  explicit AllMetrics(std::vector<std::weak_ptr<prometheus::Collectable>> extra) : extra_(std::move(extra)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::vector<std::weak_ptr<prometheus::Collectable>> extra_;
};

}  // namespace testscope::detail
