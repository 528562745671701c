#include "cli/report_command.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/verdict_output.hpp"
#include "report/html_report.hpp"
#include "report/report_formats.hpp"
#include "writers/file_io.hpp"
#include "writers/terminal.hpp"

namespace testscope::cli {
namespace {

// A result file, replaced whole (docs/cli.md): a reader never sees half of it, and a failed
// write (a full disk) leaves the previous file as it was.
// The folder must exist: a typo in it is an error, not a new folder.
bool write_result(const std::string& path, const std::string& text) {
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::is_directory(folder, ec)) {
    fmt::print(stderr, "testscope: cannot write {}: {} is not a folder\n", path, folder.string());
    return false;
  }
  const std::string error = detail::write_file_atomic(path, text);
  if (!error.empty()) fmt::print(stderr, "testscope: cannot write {}\n", error);
  return error.empty();
}

// GitHub's step summary is appended to, as GitHub asks.
bool append_to(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::app);
  file << text;
  file.close();
  if (!file) fmt::print(stderr, "testscope: {}: cannot append the step summary\n", path);
  return static_cast<bool>(file);
}

}  // namespace

CLI::App* add_report_command(CLI::App& app, ReportOptions& o) {
  CLI::App* report = app.add_subcommand("report", "Print the verdicts of a run's output folder again");
  report
      ->add_option("out", o.out, "The output folder of `testscope run` (or one execution's artifact folder)")
      ->required()
      ->check(CLI::ExistingDirectory);
  report->add_option("--format", o.format, "table for people, json (verdicts.json) for machines")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json"}));
  report->add_option("--junit", o.junit,
                     "Also write JUnit XML (Surefire's flakyFailure/rerunFailure) to FILE");
  report->add_option("--html", o.html,
                     "Also write one self-contained HTML page to FILE: the verdicts, and each failing "
                     "test's timeline beside a passing one (docs/html-report.md)");
  report->footer("With GITHUB_STEP_SUMMARY set, a Markdown summary is appended to that file.");
  return report;
}

int report_command(const ReportOptions& o) {
  analysis::ArtifactTree tree;  // for --html and the explanations
  auto verdicts = analyse_output(o.out, &tree);
  if (!verdicts) return 2;
  attach_explanations(tree, *verdicts);
  if (o.format == "json") {
    fmt::print("{}", analysis::verdicts_json(*verdicts));
  } else {
    fmt::print("{}", analysis::format_table(*verdicts, o.out, detail::use_colour(stdout)));
  }
  std::fflush(stdout);
  bool written = true;
  if (!o.junit.empty()) {
    written = write_result(o.junit, analysis::format_junit(*verdicts, o.out));
  }
  if (!o.html.empty()) {
    html_report::HtmlReportOptions options;
    options.root = o.out;
    written = write_result(o.html, html_report::render_html_report(tree, *verdicts, options)) && written;
  }
  if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary != nullptr && *summary != '\0') {
    written = append_to(summary, analysis::format_markdown(*verdicts, o.out)) && written;
  }
  if (!written) return 2;
  return analysis::verdicts_exit_code(*verdicts);
}

}  // namespace testscope::cli
