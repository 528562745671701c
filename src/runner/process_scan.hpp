// Finding processes by an entry of their environment, read from /proc: how the runner finds
// what an execution started outside its process group (a daemon that called setsid(), a
// server started with its own session), which killing the group misses. Every execution's
// environment carries TESTSCOPE_RUN_TOKEN=<run>.<execution>, and whatever it starts inherits
// it unless it clears its environment.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>

namespace testscope::runner {

// A process found: its pid, its process group and its command name (/proc/PID/comm, cut to
// 15 bytes and NUL-terminated). Plain data.
struct FoundProcess {
  pid_t pid = 0;
  pid_t pgid = 0;
  std::array<char, 16> command{};
};

// Fills `found` (up to `capacity`) with the processes of this user, other than the caller,
// whose environment has an entry equal to `entry` (with `prefix`, one that starts with it),
// and returns how many there are (more than `capacity` when some did not fit). Processes that
// end while it reads are skipped. Async-signal-safe: system calls and the caller's memory only,
// so a forked child of a threaded process may call it. Linux only (/proc).
std::size_t find_processes_with_env(const char* entry, bool prefix, FoundProcess* found,
                                    std::size_t capacity) noexcept;

}  // namespace testscope::runner
