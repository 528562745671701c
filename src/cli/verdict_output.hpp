// What `run` and `report` share: analysing an output folder and printing the verdicts.
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>

#include "analysis/verdicts.hpp"
#include "check/rules_eval.hpp"

namespace testscope::cli {

// Loads the tree at `out` and computes its verdicts; prints every problem in it to stderr.
// nullopt (after printing why) when `out` holds no executions to analyse. With `keep`, the
// loaded tree is moved there (for outputs that read more of it, like the HTML report).
std::optional<analysis::Verdicts> analyse_output(const std::filesystem::path& out,
                                                 analysis::ArtifactTree* keep = nullptr);

// Runs `testscope explain` over the flaky tests of `tree` and puts each one's top explanation
// into its verdict, for the table, verdicts.json, the Markdown summary and the HTML report.
void attach_explanations(const analysis::ArtifactTree& tree, analysis::Verdicts& verdicts);

// The same for `testscope check`: each verdict finding on a test that is not broken gets its
// test's top explanation (Finding::explanation), for the table, the JSON, the annotations and
// the reason of a quarantine entry --apply adds.
void explain_findings(const analysis::ArtifactTree& tree, analysis::CheckResult& result);

}  // namespace testscope::cli
