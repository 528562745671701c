#include "recorder/mapping.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
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

// A shared mapping of a new file of `size` zero bytes (sparse), or null. Only the pages
// written to are ever allocated (docs/performance.md, goal 6).
void* map_file(std::size_t size, const char* name) noexcept {
  const std::string& dir = buffer_dir();
  if (dir.empty() || g_file_backing_disabled.load(std::memory_order_relaxed)) return nullptr;
  std::array<char, 4096> path{};
  const int n =
      std::snprintf(path.data(), path.size(), "%s/%ld-%s", dir.c_str(), static_cast<long>(getpid()), name);
  if (n <= 0 || static_cast<std::size_t>(n) >= path.size()) return nullptr;
  const int fd = open(path.data(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return nullptr;
  void* memory = nullptr;
  if (ftruncate(fd, static_cast<off_t>(size)) == 0) {
    memory = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (memory == MAP_FAILED) {
      memory = nullptr;
    } else {
      // No read-around: the first write fault would otherwise read the whole sparse file
      // (the device's read_ahead_kb, 8 MiB on our CI VM) into the page cache as zero pages,
      // which the program pays for at the fault and the runner again when it deletes the
      // file. With it each page is allocated when first written. A hint: failure is harmless.
      madvise(memory, size, MADV_RANDOM);
    }
  }
  close(fd);  // the mapping keeps the file
  if (memory == nullptr) unlink(path.data());
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
