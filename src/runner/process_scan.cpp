#include "runner/process_scan.hpp"

#include <dirent.h>  // getdents64 (glibc 2.30+), a system call without allocation
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

// Hand-written on purpose: opendir/readdir and std::filesystem allocate, and the watchdog that
// calls this runs in a forked child of a threaded process, where only async-signal-safe calls
// are allowed. So: open, getdents64, read, close, and fixed buffers on the stack.
namespace testscope::runner {
namespace {

// "/proc/<pid>/<file>" into `out` (room for 64 bytes).
void proc_path(char* out, pid_t pid, const char* file) {
  char digits[16];
  int n = 0;
  for (auto v = static_cast<unsigned long>(pid); n == 0 || v > 0; v /= 10)
    digits[n++] = static_cast<char>('0' + v % 10);
  std::memcpy(out, "/proc/", 6);
  std::size_t at = 6;
  while (n > 0) out[at++] = digits[--n];
  out[at++] = '/';
  const std::size_t len = std::strlen(file);
  std::memcpy(out + at, file, len + 1);
}

// Whether the NUL-separated entries of /proc/<pid>/environ hold `entry` (or, with `prefix`, an
// entry starting with it). Read a block at a time; an entry may span two blocks.
bool environment_has(pid_t pid, const char* entry, std::size_t length, bool prefix) {
  char path[64];
  proc_path(path, pid, "environ");
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // gone, or another user's
  char block[4096];
  std::size_t pos = 0;   // bytes of the current entry seen
  bool matching = true;  // the current entry agrees with `entry` so far
  bool found = false;
  while (!found) {
    const ssize_t n = read(fd, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n && !found; ++i) {
      const char c = block[i];
      if (c == '\0') {
        found = matching && pos >= length && (prefix || pos == length);
        pos = 0;
        matching = true;
        continue;
      }
      if (matching && pos < length && c != entry[pos]) matching = false;
      if (matching && pos >= length && !prefix) matching = false;
      ++pos;
    }
  }
  close(fd);
  return found;
}

// The process group and command of `pid` from /proc/<pid>/stat: "pid (comm) state ppid pgrp ...".
// The command may hold spaces and parentheses: it ends at the last ')'.
bool read_stat(pid_t pid, FoundProcess& out) {
  char path[64];
  proc_path(path, pid, "stat");
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char text[512];
  ssize_t n = 0;
  while ((n = read(fd, text, sizeof text - 1)) < 0 && errno == EINTR) {
  }
  close(fd);
  if (n <= 0) return false;
  text[n] = '\0';
  const char* open_paren = std::strchr(text, '(');
  const char* close_paren = std::strrchr(text, ')');
  if (open_paren == nullptr || close_paren == nullptr || close_paren < open_paren) return false;
  const auto command = static_cast<std::size_t>(close_paren - open_paren - 1);
  const std::size_t kept = command < out.command.size() - 1 ? command : out.command.size() - 1;
  std::memcpy(out.command.data(), open_paren + 1, kept);
  out.command[kept] = '\0';
  // After ") ": the state, then ppid, then pgrp.
  const char* at = close_paren + 1;
  int field = 0;
  while (*at != '\0' && field < 3) {
    while (*at == ' ') ++at;
    if (field == 2) {
      long value = 0;
      while (*at >= '0' && *at <= '9') value = value * 10 + (*at++ - '0');
      out.pgid = static_cast<pid_t>(value);
      return true;
    }
    while (*at != '\0' && *at != ' ') ++at;
    ++field;
  }
  return false;
}

}  // namespace

std::size_t find_processes_with_env(const char* entry, bool prefix, FoundProcess* found,
                                    std::size_t capacity) noexcept {
  const int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0) return 0;
  const pid_t self = getpid();
  const std::size_t length = std::strlen(entry);
  std::size_t count = 0;
  alignas(8) char records[8192];
  ssize_t n = 0;
  while ((n = getdents64(proc, records, sizeof records)) > 0) {
    for (ssize_t at = 0; at < n;) {
      dirent64 record{};
      std::memcpy(&record, records + at, offsetof(dirent64, d_name));
      const char* name = records + at + offsetof(dirent64, d_name);
      at += record.d_reclen;
      pid_t pid = 0;
      bool digits = *name != '\0';
      for (const char* c = name; *c != '\0'; ++c) {
        if (*c < '0' || *c > '9') digits = false;
        if (digits) pid = pid * 10 + (*c - '0');
      }
      if (!digits || pid == self || !environment_has(pid, entry, length, prefix)) continue;
      FoundProcess process;
      process.pid = pid;
      if (!read_stat(pid, process)) continue;  // it ended meanwhile
      if (count < capacity) found[count] = process;
      ++count;
    }
  }
  close(proc);
  return count;
}

}  // namespace testscope::runner
