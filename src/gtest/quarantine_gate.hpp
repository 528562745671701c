// Internal to the GoogleTest integration: applying a quarantine file (testscope/quarantine.hpp)
// to a test program. `skip` entries leave --gtest_filter's positive part as it is and add
// their patterns to its negative part; `run` entries let the test run and mark its failure
// QUARANTINED, which then does not count toward the exit code (run_all_tests()).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "testscope/capture.hpp"
#include "testscope/quarantine.hpp"

namespace testscope::gtest {

// The quarantine file as loaded for this program, and today's date. Immutable after load.
class QuarantineGate {
 public:
  QuarantineGate() = default;

  // Reads `file` when given; otherwise testscope-quarantine.toml in the current folder, else
  // in the folder of `program` (argv[0]), if there is one. Problems (a missing explicit file, a bad file with
  // its file:line:column) are appended to `warnings`; a bad file applies nothing.
  static QuarantineGate load(const std::string& file, const std::string& program,
                             std::vector<std::string>& warnings);

  // Adds the skip entries to --gtest_filter; returns one line per entry that applies
  // (skipped) or expired (loudly: it counts again), for stderr.
  std::vector<std::string> apply_to_filter();

  // The entry a test runs under, or nullopt: only run-mode entries that have not expired.
  std::optional<QuarantineNote> note_for(const std::string& full_name) const;

  bool empty() const { return file_.entries().empty(); }

 private:
  std::string path_;
  quarantine::QuarantineFile file_;
  quarantine::Date today_;
};

}  // namespace testscope::gtest
