// The human and CI renderings of Verdicts: the aligned table printed by `testscope run`
// and `testscope report`, JUnit XML the way Maven Surefire writes reruns, and a Markdown
// summary for GitHub's step summary. Pure functions of their inputs (deterministic, so
// they have golden tests); `root` is the tree's path as the user gave it, prefixed to the
// relative artifact paths.
#pragma once

#include <string>

#include "analysis/verdicts.hpp"

namespace testscope::analysis {

// The table, flaky first, one row per verdict, then a one-line summary. ANSI colours
// only when `colour` is true (the caller decides: a terminal, no NO_COLOR).
std::string format_table(const Verdicts& verdicts, const std::string& root, bool colour);

// How many tests got each verdict, in the table's order: "3 flaky, 1 failed, 7 passed";
// "" when there are no tests.
std::string verdict_counts(const Verdicts& verdicts);

// The problems, one "path: what is wrong" line each (path under `root`), at most `limit`
// lines plus a count of the rest. Empty when there are none.
std::string format_problems(const Verdicts& verdicts, const std::string& root, std::size_t limit = 20);

// JUnit XML: one <testcase> per test. A flaky test carries <flakyFailure>/<flakyError> per
// failing attempt; an always-failing one <failure>/<error> plus <rerunFailure>/<rerunError>
// for the further attempts; properties name the verdict, rate and artifact folders.
std::string format_junit(const Verdicts& verdicts, const std::string& root);

// GitHub-flavoured Markdown: a heading with the counts, then a table of the tests that did
// not pass (all tests when every test passed).
std::string format_markdown(const Verdicts& verdicts, const std::string& root);

}  // namespace testscope::analysis
