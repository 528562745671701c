// The HTML report of an output folder (`testscope report OUT --html FILE`): one
// self-contained file, no network and no server, that opens from CI artifacts
// (docs/html-report.md).
//
// It shows the verdict table (rendered into the HTML, so it reads without JavaScript) and,
// for each flaky, failed, crashed or timed-out test, one failing execution's timeline above
// one passing execution's on the same time scale: per-thread swimlanes of spans nested by
// depth, span and log events as marks, attributes on hover and click, the failure messages,
// and both executions' metric changes side by side. Everything the page's script draws comes
// from one JSON document in a <script type="application/json"> element, with every `<`, `>`
// and `&` escaped, and is put into the page as text, never as markup: names cannot inject
// elements or scripts.
//
// Example:
//   const auto tree = analysis::load_artifact_tree(out);
//   const auto verdicts = analysis::compute_verdicts(tree);
//   std::ofstream(file) << html_report::render_html_report(tree, verdicts, {.root = out});
#pragma once

#include <cstddef>
#include <string>

#include "analysis/artifact_tree.hpp"
#include "analysis/verdicts.hpp"

namespace testscope::html_report {

// What to render and how much of it. Plain data.
struct HtmlReportOptions {
  std::string root;                             // the folder as the user named it, shown in the page
  std::size_t max_spans_per_execution = 20000;  // more are cut, with a visible note
  std::size_t max_marks_per_execution = 20000;
  std::size_t max_detailed_tests = 25;  // tests beyond this get a table row only, with a note
};

// Renders the report of `tree` (whose verdicts are `verdicts`). Reads each chosen
// execution's trace.chrome.json and metrics.prom under tree.root; a missing or corrupt file
// becomes a message in the page. Deterministic for the same files and options, thread-safe,
// never throws except std::bad_alloc.
std::string render_html_report(const analysis::ArtifactTree& tree, const analysis::Verdicts& verdicts,
                               const HtmlReportOptions& options);

}  // namespace testscope::html_report
