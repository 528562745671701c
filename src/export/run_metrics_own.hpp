// testscope's own series about a run (testscope_run_*), part of aggregate_run_metrics();
// docs/export.md "Metrics" lists them.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "analysis/artifact_tree.hpp"
#include "analysis/verdicts.hpp"

namespace testscope::exporting {

using analysis::ArtifactTree;
using analysis::Execution;
using analysis::Problem;
using analysis::TestAttempt;
using analysis::TestVerdict;
using analysis::Verdicts;

// The prefix of every series this file makes; a test's own metric of such a name is left out.
inline constexpr const char* kOwnMetricPrefix = "testscope_run_";

// The series, in a fixed order; a family with no series (no tests, say) is left out.
// Deterministic; never throws for any tree (std::bad_alloc may escape).
std::vector<prometheus::MetricFamily> own_run_metrics(const ArtifactTree& tree, const Verdicts& verdicts);

}  // namespace testscope::exporting
