// `testscope check OUT --rules FILE`: evaluates alert and quarantine rules (docs/rules.md) over
// the output folder of `testscope run`, optionally against a baseline folder, prints the
// findings (a table, or JSON; GitHub annotations under GitHub Actions), and with --apply adds
// quarantine entries for the findings whose rule says so.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace testscope::cli {

// The options of one `testscope check`. Plain data.
struct CheckOptions {
  std::string out;
  std::string rules;
  std::string baseline;          // "" without --baseline
  std::string format = "table";  // table | json
  bool apply = false;
  std::string quarantine = "testscope-quarantine.toml";
};

// Registers the `check` subcommand on `app`, parsing into `options` (which must outlive it).
CLI::App* add_check_command(CLI::App& app, CheckOptions& options);

// Runs it; returns the exit code: 0 no error-severity finding, 1 an error-severity finding,
// 2 a usage or input error (a bad rules file with file:line:column, an unreadable tree or
// baseline, a bad or unwritable quarantine file with --apply).
int check_command(const CheckOptions& options);

}  // namespace testscope::cli
