// `testscope report OUT`: the verdicts of an output folder again, as a table, JSON, JUnit
// XML or a self-contained HTML page (docs/html-report.md), plus a Markdown summary appended to
// $GITHUB_STEP_SUMMARY when it is set.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace testscope::cli {

// The options of one `testscope report`. Plain data.
struct ReportOptions {
  std::string out;
  std::string format = "table";  // table | json
  std::string junit;             // write JUnit XML here when set
  std::string html;              // write the HTML report here when set
};

// Registers the `report` subcommand on `app`, parsing into `options` (which must outlive it).
CLI::App* add_report_command(CLI::App& app, ReportOptions& options);

// Runs it; returns the exit code (0 all passed, 1 a failure or flaky test, 2 an input error).
int report_command(const ReportOptions& options);

}  // namespace testscope::cli
