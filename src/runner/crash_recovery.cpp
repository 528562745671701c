#include "runner/crash_recovery.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <string_view>

#include "analysis/verdicts.hpp"
#include "testscope/artifact_files.hpp"
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
  const std::string timeline = format_timeline(record, options);
  std::ofstream out(log, std::ios::app | std::ios::binary);
  out << "\ntestscope: recovered after the process died:\n" << timeline;
  if (!timeline.empty() && timeline.back() != '\n') out << '\n';  // the log ends with a whole line
}

constexpr std::string_view kSparePrefix = "spare-";
constexpr int kSpareBuffers = 4;  // of the first threads: most programs use fewer

// "spare-<rest>" for "<pid>-control" and "<pid>-<n>.buffer" (n <= kSpareBuffers) of a process
// that no longer exists; empty for any other file. A file of a live process (one that left
// the program's process group) stays its own: it is deleted, never handed to another.
std::string spare_name(const std::string& name) {
  const std::size_t dash = name.find('-');
  if (dash == 0 || dash == std::string::npos ||
      !std::all_of(name.begin(), name.begin() + static_cast<std::ptrdiff_t>(dash), ::isdigit)) {
    return {};
  }
  const std::string rest = name.substr(dash + 1);
  if (rest != "control") {
    const std::size_t dot = rest.find('.');
    if (dot == std::string::npos || rest.substr(dot) != ".buffer" || dot == 0 || dot > 2 ||
        !std::all_of(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(dot), ::isdigit) ||
        std::stoi(rest.substr(0, dot)) > kSpareBuffers) {
      return {};
    }
  }
  const long pid = std::stol(name.substr(0, dash));
  if (pid <= 0 || kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) return {};
  return std::string(kSparePrefix) + rest;
}

// Renames `file` to `spare` after zeroing its magic, so that its old records can never be
// read as those of the process that claims it (recorder/mapping.cpp). False if it cannot.
bool make_spare(const fs::path& file, const fs::path& spare) {
  const int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st {};
  constexpr std::array<char, 8> kZeros{};
  const bool invalidated = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                           pwrite(fd, kZeros.data(), kZeros.size(), 0) == static_cast<ssize_t>(kZeros.size());
  close(fd);
  return invalidated && rename(file.c_str(), spare.c_str()) == 0;
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
      for (RecoveredTest& test : recovery.tests) {
        // The run it died in follows those it finished (--gtest_repeat): the first free folder.
        while (fs::exists(fs::path(writer.test_dir(test.record)) / artifact_files::kSummaryFile)) {
          ++test.record.repetition;
        }
        const RunInfo run = describe_dead_run(program, test.pid, record.start_unix_ns);
        if (std::string error = writer.write_test(test.record, run); !error.empty()) {
          problems.push_back(std::move(error));
        }
        append_timeline(execution_dir / "output.log", test.record, writer.test_dir(test.record));
      }
    }
    // The files, not the folder: removing a folder frees its block, which ext4 mounted with
    // `discard` and no journal trims synchronously (~3 ms on our CI VM). The same holds for
    // the files' reserved space: a dead process's control block and first buffers are kept
    // as spares for the slot's next execution instead.
    std::error_code ignored;
    for (fs::directory_iterator it(buffers, ignored), end; !ignored && it != end; it.increment(ignored)) {
      const std::string name = it->path().filename().string();
      if (name.starts_with(kSparePrefix)) continue;
      const std::string spare = spare_name(name);
      if (!spare.empty() && make_spare(it->path(), buffers / spare)) continue;
      std::error_code also_ignored;
      fs::remove_all(it->path(), also_ignored);
    }
  } catch (const std::exception& e) {
    problems.emplace_back(e.what());
  }
  return problems;
}

}  // namespace testscope::runner
