#include "recorder/mapping.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace testscope::detail {
namespace {

std::atomic<bool> g_file_backing_disabled{false};

void* map_anonymous(std::size_t size) noexcept {
  void* memory =
      mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return memory == MAP_FAILED ? nullptr : memory;
}

// Says once per process why file backing is off from now on, naming the folder.
void warn_no_file_backing(const char* what, std::size_t size, int error) noexcept {
  std::array<char, 128> text{};
  std::fprintf(stderr,
               "testscope: warning: TESTSCOPE_BUFFER_DIR %s: cannot %s %zu KiB for a buffer (%s); "
               "recording in memory instead (the test's result is unaffected, but if this process "
               "dies in a test, what it recorded is lost)\n",
               buffer_dir().c_str(), what, size >> 10U, strerror_r(error, text.data(), text.size()));
}

// The file at `path` (<dir>/<pid>-<name>), open for reading and writing: the runner's
// spare <dir>/spare-<name> if there is one, claimed by renaming it, else a new empty file.
// A spare is the file of the slot's previous execution, its space still reserved and its
// header invalidated by the runner (capture/recovery.cpp reads only what a header says was
// written): reusing it spares the program an inode and the runner the freeing of its blocks,
// which ext4 mounted with `discard` trims synchronously (docs/performance.md, goal 6).
int open_file(const std::string& dir, const char* name, const char* path) noexcept {
  std::array<char, 4096> spare{};
  const int n = std::snprintf(spare.data(), spare.size(), "%s/spare-%s", dir.c_str(), name);
  if (n > 0 && static_cast<std::size_t>(n) < spare.size() && rename(spare.data(), path) == 0) {
    const int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd >= 0) return fd;
  }
  return open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

// A shared mapping of a file of at least `size` bytes, or null. The file's space is
// reserved first (posix_fallocate): a sparse file on a nearly full disk would raise SIGBUS
// at the first write to a page the disk cannot hold, in the middle of the test. When
// the file cannot be made, file backing is turned off for the rest of the process, with
// one warning: the program records in memory, as it does without the runner.
void* map_file(std::size_t size, const char* name) noexcept {
  const std::string& dir = buffer_dir();
  if (dir.empty() || g_file_backing_disabled.load(std::memory_order_relaxed)) return nullptr;
  std::array<char, 4096> path{};
  const int n =
      std::snprintf(path.data(), path.size(), "%s/%ld-%s", dir.c_str(), static_cast<long>(getpid()), name);
  if (n <= 0 || static_cast<std::size_t>(n) >= path.size()) return nullptr;
  const int fd = open_file(dir, name, path.data());
  if (fd < 0) {
    const int error = errno;
    if (!g_file_backing_disabled.exchange(true)) warn_no_file_backing("create a file of", size, error);
    return nullptr;
  }
  void* memory = nullptr;
  const char* failed = nullptr;
  int error = posix_fallocate(fd, 0, static_cast<off_t>(size));  // returns the error; quick on a spare
  if (error != 0) {
    failed = "reserve";
  } else {
    memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (memory == MAP_FAILED) {
      error = errno;
      failed = "map";
      memory = nullptr;
    } else {
      // No read-around: the first write fault would otherwise read the whole file (the
      // device's read_ahead_kb, 8 MiB on our CI VM) into the page cache as zero pages,
      // which the program pays for at the fault and the runner again when it deletes the
      // file. With it each page is brought in when first written. A hint: failure is harmless.
      madvise(memory, size, MADV_RANDOM);
    }
  }
  close(fd);  // the mapping keeps the file
  if (memory == nullptr) {
    unlink(path.data());
    if (!g_file_backing_disabled.exchange(true)) warn_no_file_backing(failed, size, error);
  }
  return memory;
}

}  // namespace

const std::string& buffer_dir() noexcept {
  // Leaked on purpose: buffers may be mapped during static destruction. Out of memory at
  // first use leaves nothing to record into, so std::bad_alloc may end the program here.
  static const std::string* dir = [] {
    const char* env = std::getenv("TESTSCOPE_BUFFER_DIR");
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory,bugprone-unhandled-exception-at-new): see comment above
    return new std::string(env != nullptr ? env : "");
  }();
  return *dir;
}

void disable_file_backing() noexcept { g_file_backing_disabled.store(true, std::memory_order_relaxed); }

Region map_region(std::size_t size, const char* name) noexcept {
  if (void* memory = map_file(size, name)) return {static_cast<std::byte*>(memory), size, true};
  if (void* memory = map_anonymous(size)) return {static_cast<std::byte*>(memory), size, false};
  return {};
}

void make_private(Region& region, std::size_t used) noexcept {
  if (!region.file_backed || region.base == nullptr) return;
  void* copy = map_anonymous(region.size);
  if (copy == nullptr) return;  // keeps sharing: the child may write into the parent's file
  std::memcpy(copy, region.base, used < region.size ? used : region.size);
  if (mremap(copy, region.size, region.size, MREMAP_MAYMOVE | MREMAP_FIXED, region.base) != MAP_FAILED) {
    region.file_backed = false;
  } else {
    munmap(copy, region.size);
  }
}

}  // namespace testscope::detail
