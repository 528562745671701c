// Starting a program in its own process group (posix_spawn, never a shell) so that the
// whole group can be killed on a timeout or Ctrl-C. Not thread-safe: the runner calls it
// from one thread.
#pragma once

#include <sys/types.h>

#include <array>
#include <string>
#include <vector>

#include "analysis/run_manifest.hpp"

namespace testscope::runner {

// Starts argv[0] (searched in PATH like execvp) in a new process group whose id is the
// child's pid, with stdin from /dev/null, stdout and stderr to the open file `log` (the
// caller's to close; opened by the caller, so that a full disk is not taken for a program
// that cannot start), the signal mask emptied, and `environment` ("NAME=value") as its whole
// environment. Returns the pid, or -1 with `error` set (e.g. "promo_tests: No such file or
// directory").
pid_t spawn_in_new_group(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                         int log, std::string& error);

// SIGKILL to every process in group `pgid`. Harmless if the group is gone.
void kill_group(pid_t pgid);

// Kills the process groups of a run's executions when testscope itself dies, however it dies
// (SIGKILL, the OOM killer, a cancelled CI job), so that a hung execution never outlives its
// run as an orphan. PR_SET_PDEATHSIG would reach only each group's first process, not what
// it started; this reaches the whole group. A watchdog process, forked at construction into
// a process group of its own (a Ctrl-C or a kill of testscope's group does not reach it),
// learns the groups to watch through a pipe whose only writer is this process, and SIGKILLs
// every group still watched when the pipe reaches end of file, which is when this process
// ends. Without a watchdog (fork failed) the run goes on unguarded. What leaves its group (a
// daemon that calls setsid()), and a group started in the moment before `watch`, the watchdog
// finds by the run's token in their environment (`mark`; process_scan.hpp) and kills too.
// Not thread-safe.
class OrphanGuard {
 public:
  OrphanGuard() noexcept;
  // Closes the pipe (the watchdog kills whatever is still watched and exits) and reaps it.
  ~OrphanGuard();
  OrphanGuard(const OrphanGuard&) = delete;
  OrphanGuard& operator=(const OrphanGuard&) = delete;

  // The environment entry that marks execution `execution`'s processes:
  // "TESTSCOPE_RUN_TOKEN=<this run's 16 hex digits>.<execution>". Inherited by what it starts.
  std::string mark(const std::string& execution) const;
  // SIGKILL to the processes marked for `execution` that are not in its group `pgid` (called
  // when it has ended and its group was killed); returns those it killed.
  std::vector<analysis::LeftProcess> kill_left_running(const std::string& execution, pid_t pgid) const;

  void watch(pid_t pgid) noexcept;   // a group was started
  void forget(pid_t pgid) noexcept;  // a group was killed and its leader reaped

 private:
  void send(pid_t message) const noexcept;

  std::array<char, 64> token_{};  // "TESTSCOPE_RUN_TOKEN=<16 hex digits>.", NUL-terminated
  int pipe_ = -1;                 // the write end, close-on-exec: no execution may hold it open
  pid_t watchdog_ = -1;
};

// Our environment with `name` set to `value` (replacing any earlier value).
std::vector<std::string> environment_with(const std::string& name, const std::string& value);

}  // namespace testscope::runner
