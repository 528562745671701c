// Starting a program in its own process group (posix_spawn, never a shell) so that the
// whole group can be killed on a timeout or Ctrl-C. Not thread-safe: the runner calls it
// from one thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace testscope::runner {

// Starts argv[0] (searched in PATH like execvp) in a new process group whose id is the
// child's pid, with stdin from /dev/null, stdout and stderr appended to `log_path`, the
// signal mask emptied, and `environment` ("NAME=value") as its whole environment.
// Returns the pid, or -1 with `error` set (e.g. "promo_tests: No such file or directory").
pid_t spawn_in_new_group(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                         const std::string& log_path, std::string& error);

// SIGKILL to every process in group `pgid`. Harmless if the group is gone.
void kill_group(pid_t pgid);

// Our environment with `name` set to `value` (replacing any earlier value).
std::vector<std::string> environment_with(const std::string& name, const std::string& value);

}  // namespace testscope::runner
