// The testscope command: `run` and `report` (one file each). Exit codes: 0 all passed,
// 1 a failure or a flaky test, 2 a usage or input error, 130 interrupted.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/report_command.hpp"
#include "cli/run_command.hpp"

namespace {

int testscope_main(int argc, char** argv) {
  CLI::App app("testscope: run test programs many times, tell flaky tests from broken ones", "testscope");
  app.set_version_flag("--version", TESTSCOPE_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes:\n"
      "  0    every test passed\n"
      "  1    a test failed, was flaky, crashed or timed out\n"
      "  2    a usage or input error (a bad flag, an unreadable output folder, a program that cannot start)\n"
      "  130  interrupted (Ctrl-C); the verdicts of the finished executions are still printed\n"
      "Run `testscope run --help` or `testscope report --help` for a command's options.");

  testscope::cli::RunOptions run_options;
  run_options.argv.assign(argv, argv + argc);
  CLI::App* run = testscope::cli::add_run_command(app, run_options);
  testscope::cli::ReportOptions report_options;
  CLI::App* report = testscope::cli::add_report_command(app, report_options);

  if (argc > 1 && argv[1][0] != '-' && std::string(argv[1]) != "run" && std::string(argv[1]) != "report") {
    std::fprintf(stderr, "testscope: unknown command '%s' (commands: run, report; see --help)\n", argv[1]);
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
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return testscope_main(argc, argv);
  } catch (const std::exception& e) {
    // Not expected (the commands report their own errors), but an input error, such as an
    // output folder that vanished midway, is no reason to abort with a core dump.
    std::fprintf(stderr, "testscope: %s\n", e.what());
    return 2;
  }
}
