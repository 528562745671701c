#include "analysis/verdict_stats.hpp"

#include <algorithm>
#include <cmath>

namespace testscope::analysis {

Interval wilson_interval(int failures, int runs, double z) {
  if (runs <= 0) return {0, 1};
  const double n = runs;
  const double p = std::clamp(failures, 0, runs) / n;
  const double z2 = z * z;
  const double denominator = 1 + z2 / n;
  const double center = (p + z2 / (2 * n)) / denominator;
  const double half = z / denominator * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

double zero_failure_bound(int runs, double confidence) {
  if (runs <= 0) return 1;
  return 1 - std::pow(1 - confidence, 1.0 / runs);
}

}  // namespace testscope::analysis
