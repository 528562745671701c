#include "runner/crash_recovery.hpp"

#include <fmt/format.h>

#include <fstream>

#include "analysis/verdicts.hpp"
#include "testscope/artifacts.hpp"
#include "testscope/recovery.hpp"
#include "testscope/timeline.hpp"

namespace testscope::runner {
namespace {

namespace fs = std::filesystem;

// How the process ended, in the words a recovered test's failure gives.
ProcessEnd describe_end(const analysis::ExecutionRecord& r, double timeout_s) {
  ProcessEnd end;
  end.end_unix_ns = r.start_unix_ns + r.duration_ns;
  if (r.outcome == "timeout") {
    end.outcome = Outcome::kTimeout;
    end.reason = fmt::format(
        "timed out after {:g} s while this test was running; the process group was killed", timeout_s);
  } else if (r.signal != 0) {
    end.reason = fmt::format("the process was killed by signal {} ({}) while this test was running", r.signal,
                             analysis::signal_name(r.signal));
  } else {
    end.reason = fmt::format("the process exited with code {} while this test was running", r.exit_code);
  }
  return end;
}

// run.json's description of the dead process, as it would have described itself.
RunInfo describe_dead_run(const std::vector<std::string>& program, std::int64_t pid, std::int64_t start_ns) {
  std::vector<const char*> argv;
  argv.reserve(program.size());
  for (const std::string& arg : program) argv.push_back(arg.c_str());
  RunInfo run = describe_this_run(static_cast<int>(argv.size()), argv.data());
  run.pid = pid;
  run.start_unix_ns = start_ns;
  for (AttributeData& attribute : run.resource) {
    if (attribute.key == "process.pid") attribute.value = pid;
  }
  return run;
}

// The program could not print the dying test's timeline after its own output, as it does
// for a failed test; the runner does, so output.log reads the same.
void append_timeline(const fs::path& log, const TestRecord& record, const std::string& artifacts_dir) {
  TimelineOptions options;
  options.artifacts_dir = artifacts_dir;
  std::ofstream out(log, std::ios::app | std::ios::binary);
  out << "\ntestscope: recovered after the process died:\n" << format_timeline(record, options);
}

}  // namespace

fs::path buffer_dir(const fs::path& runs_dir, int slot) {
  return runs_dir.parent_path() / "buffers" / std::to_string(slot);
}

std::vector<std::string> recover_execution(const fs::path& execution_dir, const fs::path& buffers,
                                           const analysis::ExecutionRecord& record,
                                           const std::vector<std::string>& program,
                                           double timeout_s) noexcept {
  std::vector<std::string> problems;
  try {
    // Ctrl-C is the user stopping the run, not the test failing: nothing is charged to it.
    if (record.outcome != "interrupted" && fs::is_directory(buffers)) {
      Recovery recovery = recover_tests(buffers.string(), describe_end(record, timeout_s));
      problems = std::move(recovery.problems);
      const ArtifactWriter writer(execution_dir.string());
      for (const RecoveredTest& test : recovery.tests) {
        const RunInfo run = describe_dead_run(program, test.pid, record.start_unix_ns);
        if (std::string error = writer.write_test(test.record, run); !error.empty()) {
          problems.push_back(std::move(error));
        }
        append_timeline(execution_dir / "output.log", test.record, writer.test_dir(test.record));
      }
    }
    // The files, not the folder: removing a folder frees its block, which ext4 mounted with
    // `discard` and no journal trims synchronously (~3 ms on our CI VM).
    std::error_code ignored;
    for (fs::directory_iterator it(buffers, ignored), end; !ignored && it != end; it.increment(ignored)) {
      std::error_code also_ignored;
      fs::remove_all(it->path(), also_ignored);
    }
  } catch (const std::exception& e) {
    problems.emplace_back(e.what());
  }
  return problems;
}

}  // namespace testscope::runner
