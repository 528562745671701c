// The renderings of a check's findings (rules_eval.hpp): the aligned table for people, JSON
// for machines, and GitHub Actions workflow commands (`::error title=...::message`) that
// GitHub shows as annotations. Pure functions of their inputs (deterministic, golden-tested);
// `root` is the checked folder as the user gave it, prefixed to artifact paths.
#pragma once

#include <string>

#include "check/quarantine_apply.hpp"
#include "check/rules_eval.hpp"

namespace testscope::analysis {

// Where a check's inputs came from, for the JSON. Plain data.
struct CheckSources {
  std::string tree;        // the checked folder as given
  std::string baseline;    // "" without --baseline
  std::string rules_file;  // as given
};

// One row per finding (errors first) with an evidence line under it, then what was left out
// and a one-line summary. ANSI colours only when `colour` is true.
std::string format_findings_table(const CheckResult& result, const std::string& root, bool colour);

// One line per test --apply considered: "quarantined T until ... in FILE" or why not.
std::string format_apply_outcome(const ApplyOutcome& outcome, const std::string& file);

// The check as JSON (schema 1, docs/rules.md), pretty-printed, ending in a newline; `apply`
// (with `quarantine_file`) adds what --apply did.
std::string format_findings_json(const CheckResult& result, const CheckSources& sources,
                                 const ApplyOutcome* apply = nullptr,
                                 const std::string& quarantine_file = "");

// One `::warning` or `::error` workflow command per finding, escaped as GitHub requires
// (`%`, CR, LF in the message; also `:` and `,` in the title).
std::string format_github_annotations(const CheckResult& result, const std::string& root);

}  // namespace testscope::analysis
