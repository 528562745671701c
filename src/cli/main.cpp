// The testscope command: `run`, `replay`, `report`, `explain`, `merge`, `export`, `check` and `quarantine`,
// one file each. Exit codes in the help footer below.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/check_command.hpp"
#include "cli/explain_command.hpp"
#include "cli/export_command.hpp"
#include "cli/merge_command.hpp"
#include "cli/quarantine_command.hpp"
#include "cli/replay_command.hpp"
#include "cli/report_command.hpp"
#include "cli/run_command.hpp"
#include "cli/standard_streams.hpp"

namespace {

int testscope_main(int argc, char** argv) {
  CLI::App app("testscope: run test programs many times, tell flaky tests from broken ones", "testscope");
  app.set_version_flag("--version", TESTSCOPE_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes:\n"
      "  0    every test passed\n"
      "  1    a test failed, was flaky, crashed or timed out; check: an error-severity finding\n"
      "  2    a usage or input error (a bad flag, an unreadable output folder or one with no finished\n"
      "       execution, a program that cannot start, an output folder in use by another run)\n"
      "  3    export: the endpoint was unreachable or refused the data (docs/export.md)\n"
      "  130  interrupted (Ctrl-C); the verdicts of the finished executions are still printed\n"
      "Run `testscope COMMAND --help` (run, replay, report, explain, merge, quarantine, export, check) for a "
      "command's "
      "options.");

  testscope::runner::RunRequest run_options;
  run_options.argv.assign(argv, argv + argc);
  CLI::App* run = testscope::cli::add_run_command(app, run_options);
  testscope::cli::ReportOptions report_options;
  CLI::App* report = testscope::cli::add_report_command(app, report_options);
  testscope::cli::MergeOptions merge_options;
  merge_options.argv = run_options.argv;
  CLI::App* merge = testscope::cli::add_merge_command(app, merge_options);
  testscope::cli::QuarantineOptions quarantine_options;
  CLI::App* quarantine = testscope::cli::add_quarantine_command(app, quarantine_options);
  testscope::exporting::ExportOptions export_options;
  CLI::App* export_app = testscope::cli::add_export_command(app, export_options);
  testscope::cli::CheckOptions check_options;
  CLI::App* check = testscope::cli::add_check_command(app, check_options);
  testscope::cli::ReplayOptions replay_options;
  replay_options.argv = run_options.argv;
  CLI::App* replay = testscope::cli::add_replay_command(app, replay_options);
  testscope::cli::ExplainCommandOptions explain_options;
  CLI::App* explain = testscope::cli::add_explain_command(app, explain_options);

  if (argc > 1 && argv[1][0] != '-' && std::string(argv[1]) != "run" && std::string(argv[1]) != "report" &&
      std::string(argv[1]) != "merge" && std::string(argv[1]) != "quarantine" &&
      std::string(argv[1]) != "export" && std::string(argv[1]) != "check" &&
      std::string(argv[1]) != "replay" && std::string(argv[1]) != "explain") {
    std::fprintf(stderr,
                 "testscope: unknown command '%s' (commands: run, replay, report, explain, merge, "
                 "quarantine, export, check; "
                 "see --help)\n",
                 argv[1]);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints help, the version, or the error and a hint
    return e.get_exit_code() == 0 ? 0 : 2;
  }
  if (run->parsed()) return testscope::cli::run_command(run_options);
  if (report->parsed()) return testscope::cli::report_command(report_options);
  if (merge->parsed()) return testscope::cli::merge_command(merge_options);
  if (quarantine->parsed()) return testscope::cli::quarantine_command(quarantine_options);
  if (export_app->parsed()) return testscope::cli::export_command(export_options);
  if (check->parsed()) return testscope::cli::check_command(check_options);
  if (replay->parsed()) return testscope::cli::replay_command(replay_options);
  if (explain->parsed()) return testscope::cli::explain_command(explain_options);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  testscope::cli::make_standard_streams_best_effort();
  try {
    return testscope_main(argc, argv);
  } catch (const std::exception& e) {
    // Not expected (the commands report their own errors), but an input error, such as an
    // output folder that vanished midway, is no reason to abort with a core dump.
    std::fprintf(stderr, "testscope: %s\n", e.what());
    return 2;
  }
}
