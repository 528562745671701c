// Internal to the recorder: the memory its buffers and control block live in.
//
// Anonymous private memory by default. When the runner names a folder in
// TESTSCOPE_BUFFER_DIR, each region is a shared mapping of a file in it instead, so what
// the program recorded survives the program: a crash, an abort or a SIGKILL leaves the
// records in the files for the runner to read (capture/recovery.cpp). A file's space is
// reserved when it is made, so writing into the mapping never faults on a full disk; when
// it cannot be, the process warns once and records in memory from then on.
#pragma once

#include <cstddef>
#include <string>

namespace testscope::detail {

// One region of memory, file-backed or not. Plain data; regions are never unmapped.
struct Region {
  std::byte* base = nullptr;  // null: no memory could be had
  std::size_t size = 0;
  bool file_backed = false;
};

// Maps `size` bytes: backed by <buffer dir>/<pid>-<name> when file backing is on and the
// file can be made with all its space reserved (posix_fallocate), otherwise anonymous
// memory. Anonymous memory is zeroed; a file may be a spare the runner kept from the slot's
// previous execution (<buffer dir>/spare-<name>), holding its bytes: the caller writes its
// header before anything else, and readers read only what a header says was written. The first file that
// cannot be made turns file backing off for the rest of the process, with one "testscope: warning:" line on
// stderr naming the folder and the reason. Never throws.
Region map_region(std::size_t size, const char* name) noexcept;

// After fork(), in the child: turns a file-backed region into private memory holding the
// first `used` bytes, so the child's records never land in the parent's files (a death
// test's child dies on purpose). Async-signal-safe enough for an atfork handler: only
// mmap, memcpy and mremap.
void make_private(Region& region, std::size_t used) noexcept;

// The folder from TESTSCOPE_BUFFER_DIR, or empty when unset. Read once.
const std::string& buffer_dir() noexcept;

// Turns file backing off for regions mapped from now on (the GoogleTest integration does
// so in a death test's child process). On by default when buffer_dir() is set.
void disable_file_backing() noexcept;

}  // namespace testscope::detail
