// The statistics behind a verdict: how sure can we be of a failure rate after n runs?
// Pure functions, thread-safe, no allocation.
#pragma once

namespace testscope::analysis {

// A closed interval of probabilities, 0 <= low <= high <= 1.
struct Interval {
  double low = 0;
  double high = 1;
};

// z for a two-sided 95% interval (the 97.5th percentile of the normal distribution).
inline constexpr double kZ95 = 1.959963984540054;

// The Wilson score interval for `failures` out of `runs` (Wilson 1927): unlike the normal
// approximation it stays inside [0, 1] and is honest for 0 or n failures and small n.
// runs == 0 gives [0, 1]; failures is clamped to [0, runs].
Interval wilson_interval(int failures, int runs, double z = kZ95);

// For a test that never failed in `runs` runs: the failure rate those runs rule out with
// `confidence` (one-sided), 1 - (1 - confidence)^(1/runs); about 3/runs at 95% (the "rule
// of three"). runs == 0 gives 1 (nothing is ruled out).
double zero_failure_bound(int runs, double confidence = 0.95);

}  // namespace testscope::analysis
