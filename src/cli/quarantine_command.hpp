// `testscope quarantine add|remove|list`: edits and shows the quarantine file
// (testscope-quarantine.toml in the current folder by default), keeping its comments.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace testscope::cli {

// The options of one `testscope quarantine ...`. Plain data.
struct QuarantineOptions {
  std::string action;  // add | remove | list: the subcommand given
  std::string file = "testscope-quarantine.toml";
  std::string test;     // add, remove: the name or pattern
  std::string reason;   // add
  std::string owner;    // add
  std::string expires;  // add: YYYY-MM-DD, the first day the entry no longer applies
  int days = 14;        // add, without --expires: expires this many days from today
  std::string mode = "run";
  std::string format = "table";  // list: table | json
};

// Registers `quarantine` and its subcommands on `app`, parsing into `options` (which must
// outlive it).
CLI::App* add_quarantine_command(CLI::App& app, QuarantineOptions& options);

// Runs it; returns the exit code: 0 done, 2 a usage or input error (a quarantine file that
// is not valid, with file:line:column; no entry to remove; an entry that exists; a file
// that cannot be written).
int quarantine_command(const QuarantineOptions& options);

}  // namespace testscope::cli
