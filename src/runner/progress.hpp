// Progress of `testscope run` on stderr. On a terminal: one bar redrawn in place
// (executions done/total, failures so far, elapsed, time left). Otherwise plain lines: every
// execution that did not pass, and a status line at most every few seconds. Not
// thread-safe: the runner calls it from its one thread.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "analysis/run_manifest.hpp"

namespace testscope::runner {

class Progress {
 public:
  // `total` is the most executions that will run; `budget_s` 0 means no time budget.
  Progress(std::FILE* stream, bool terminal, int total, double budget_s);

  // An execution ended (any outcome). Always draws.
  void finished(const analysis::ExecutionRecord& record);
  // Time passed; redraws the bar on a terminal at most ten times a second.
  void tick();
  // Clears the bar so that what follows starts on a clean line.
  void done();

 private:
  void draw_bar();
  std::string status() const;

  std::FILE* stream_;
  bool terminal_;
  int total_;
  double budget_s_;
  int done_ = 0;
  int failures_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace testscope::runner
