#include "runner/process_scan.hpp"

#include <dirent.h>  // getdents64 (glibc 2.30+), a system call without allocation
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

// Hand-written on purpose: opendir/readdir and std::filesystem allocate, and the watchdog that
// calls this runs in a forked child of a threaded process, where only async-signal-safe calls
// are allowed. So: open, getdents64, read, close, and fixed buffers on the stack.
namespace testscope::runner {
namespace {

using Path = std::array<char, 64>;

// "/proc/<pid>/<file>".
Path proc_path(pid_t pid, const char* file) {
  std::array<char, 16> digits{};
  std::size_t n = 0;
  auto value = static_cast<unsigned long>(pid);
  do {
    digits.at(n++) = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 && n < digits.size());
  Path out{};
  std::size_t at = 0;
  for (const char c : {'/', 'p', 'r', 'o', 'c', '/'}) out.at(at++) = c;
  while (n > 0) out.at(at++) = digits.at(--n);
  out.at(at++) = '/';
  for (const char* c = file; *c != '\0' && at + 1 < out.size(); ++c) out.at(at++) = *c;
  return out;  // zero-filled: NUL-terminated
}

// Compares the entries of an environment, a byte at a time as they are read: an entry may
// span two reads.
class EntryMatcher {
 public:
  EntryMatcher(const char* entry, std::size_t length, bool prefix)
      : entry_(entry), length_(length), prefix_(prefix) {}

  // Feeds one byte; true when it ended an entry that matches.
  bool feed(char c) {
    if (c == '\0') {
      const bool found = matching_ && pos_ >= length_ && (prefix_ || pos_ == length_);
      pos_ = 0;
      matching_ = true;
      return found;
    }
    if (matching_ && (pos_ < length_ ? c != entry_[pos_] : !prefix_)) matching_ = false;
    ++pos_;
    return false;
  }

 private:
  const char* entry_;
  std::size_t length_;
  bool prefix_;
  std::size_t pos_ = 0;   // bytes of the current entry seen
  bool matching_ = true;  // the current entry agrees with `entry_` so far
};

// Whether /proc/<pid>/environ holds the entry `matcher` looks for.
bool environment_has(pid_t pid, EntryMatcher matcher) {
  const Path path = proc_path(pid, "environ");
  const int fd = open(path.data(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // gone, or another user's
  std::array<char, 4096> block{};
  bool found = false;
  while (!found) {
    const ssize_t n = read(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n) && !found; ++i) found = matcher.feed(block.at(i));
  }
  close(fd);
  return found;
}

// The process group and command of `pid` from /proc/<pid>/stat: "pid (comm) state ppid pgrp ...".
// The command may hold spaces and parentheses: it ends at the last ')'.
bool read_stat(pid_t pid, FoundProcess& out) {
  const Path path = proc_path(pid, "stat");
  const int fd = open(path.data(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::array<char, 512> text{};
  ssize_t n = 0;
  while ((n = read(fd, text.data(), text.size() - 1)) < 0 && errno == EINTR) {
  }
  close(fd);
  if (n <= 0) return false;
  const char* open_paren = std::strchr(text.data(), '(');
  const char* close_paren = std::strrchr(text.data(), ')');
  if (open_paren == nullptr || close_paren == nullptr || close_paren < open_paren) return false;
  const auto length = static_cast<std::size_t>(close_paren - open_paren - 1);
  const std::size_t kept = length < out.command.size() - 1 ? length : out.command.size() - 1;
  std::memcpy(out.command.data(), open_paren + 1, kept);
  out.command.at(kept) = '\0';
  // After ") ": the state, the ppid, then the pgrp.
  const char* at = close_paren + 1;
  for (int field = 0; field < 2; ++field) {
    while (*at == ' ') ++at;
    while (*at != '\0' && *at != ' ') ++at;
  }
  while (*at == ' ') ++at;
  if (*at < '0' || *at > '9') return false;
  long group = 0;
  for (; *at >= '0' && *at <= '9'; ++at) group = group * 10 + (*at - '0');
  out.pgid = static_cast<pid_t>(group);
  return true;
}

// The pid a /proc entry names, or 0 when it is not all digits.
pid_t pid_of(const char* name) {
  pid_t pid = 0;
  for (const char* c = name; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9') return 0;
    pid = pid * 10 + (*c - '0');
  }
  return pid;
}

}  // namespace

std::size_t find_processes_with_env(const char* entry, bool prefix, FoundProcess* found,
                                    std::size_t capacity) noexcept {
  const int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0) return 0;
  const pid_t self = getpid();
  const std::size_t length = std::strlen(entry);
  std::size_t count = 0;
  alignas(dirent64) std::array<char, 8192> records{};
  ssize_t n = 0;
  while ((n = getdents64(proc, records.data(), records.size())) > 0) {
    for (std::size_t at = 0; at < static_cast<std::size_t>(n);) {
      dirent64 record{};
      std::memcpy(&record, records.data() + at, offsetof(dirent64, d_name));
      const pid_t pid = pid_of(records.data() + at + offsetof(dirent64, d_name));
      at += record.d_reclen;
      if (pid <= 0 || pid == self || !environment_has(pid, EntryMatcher(entry, length, prefix))) continue;
      FoundProcess process;
      process.pid = pid;
      if (!read_stat(pid, process)) continue;        // it ended meanwhile
      if (count < capacity) found[count] = process;  // NOLINT(*-pointer-arithmetic): the caller's array
      ++count;
    }
  }
  close(proc);
  return count;
}

}  // namespace testscope::runner
