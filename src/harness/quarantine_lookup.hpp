// Internal to the harness: the quarantine file (testscope/quarantine.hpp) as it applies to one
// test program today. `run` entries let the test run and mark its failure QUARANTINED, which
// then does not count toward the exit code; `skip` entries keep the test from running, each
// front in its framework's way (GoogleTest: the negative part of --gtest_filter; others:
// is_skipped() per test).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "testscope/capture.hpp"
#include "testscope/quarantine.hpp"

namespace testscope::harness {

// The quarantine file as loaded for this program, and today's date. Immutable after load;
// const members may be called from any thread.
class QuarantineLookup {
 public:
  QuarantineLookup() = default;

  // Reads `file` when given; otherwise testscope-quarantine.toml in the current folder or the
  // nearest folder above it, else in the folder of `program` (argv[0]) or the nearest above
  // it; a search stops at a repository's root (a folder holding .git). Problems (a missing explicit file, a
  // bad file with its file:line:column) are appended to `warnings`; a bad file applies nothing.
  static QuarantineLookup load(const std::string& file, const std::string& program,
                               std::vector<std::string>& warnings);

  // One line per entry that applies in skip mode ("skipping quarantined ...") or expired
  // (loudly: its failures count again), in file order, for stderr after "testscope: ".
  std::vector<std::string> announcements() const;

  // The `test` (a name or a glob) of every skip-mode entry that has not expired, in file order.
  std::vector<std::string> skip_patterns() const;

  // The entry a test runs under, or nullopt: only run-mode entries that have not expired.
  std::optional<QuarantineNote> note_for(std::string_view full_name) const;

  // True when a skip-mode entry that has not expired matches the test.
  bool is_skipped(std::string_view full_name) const;

  bool empty() const { return file_.entries().empty(); }

 private:
  std::string path_;
  quarantine::QuarantineFile file_;
  quarantine::Date today_;
};

}  // namespace testscope::harness
