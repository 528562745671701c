// The recorder: per-thread append-only buffers and the controls capture uses.
//
// Each thread that records gets a ThreadBuffer, written only by that thread: span
// begin/end appends a record and publishes it with one release store, with no lock and
// no allocation. Capture bumps a global *epoch* at the start of each test; a thread resets
// its own buffer the first time it records in a new epoch. At the end of a test, capture
// reads every buffer of the current epoch under the registry lock (which only thread
// registration also takes). Buffers of exited threads are reused by new threads.
// Under `testscope run` the buffers are files (recorder/mapping.hpp), so a test that
// kills its process still leaves its records behind.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "recorder/mapping.hpp"
#include "recorder/records.hpp"
#include "testscope/context.hpp"

namespace testscope::detail {

// One thread's buffer: a Region whose first page is the BufferHeader (head, epoch and
// dropped count, written only by the owning thread) and the rest its records.
struct ThreadBuffer {
  Region region;
  BufferHeader* header = nullptr;    // region.base
  std::byte* data = nullptr;         // region.base + kBufferHeaderBytes
  std::size_t capacity = 0;          // bytes of records
  std::atomic<bool> retired{false};  // the owning thread has exited
  std::uint64_t os_tid = 0;
  std::uint32_t thread_index = 0;  // 1, 2, ... in order of first use
  std::mutex name_mutex;
  std::string name;          // guarded by name_mutex
  bool custom_name = false;  // guarded by name_mutex: set_thread_name() was used
};

// What capture sees of one buffer at the end of a test.
struct BufferView {
  const std::byte* data;
  std::size_t size;
  std::uint64_t dropped;
  std::uint64_t os_tid;
  std::uint32_t thread_index;
  std::string thread_name;
};

// Starts a capture epoch whose spans without a parent hang under `root`; returns it.
std::uint32_t activate(const SpanContext& root) noexcept;
// The current test's mapping of ticks to unix time (the capture's, at begin), for a
// binding's timestamps (foreign_ticks_at_unix_ns). Call before activate().
void set_tick_mapping(std::uint64_t ticks0, std::int64_t unix0, double ns_per_tick) noexcept;
// Stops recording new spans (spans already open still record their end).
void deactivate() noexcept;
// Calls `visit` for every buffer holding data of the current epoch, under the registry
// lock. Call after deactivate().
void for_each_buffer(const std::function<void(const BufferView&)>& visit);
// Number of threads that could not get a buffer (allocation failed); their spans are lost.
std::uint64_t threads_without_buffer() noexcept;

// Fresh random ids (never zero).
std::uint64_t new_span_id() noexcept;
TraceId new_trace_id() noexcept;

// Registers the calling thread (if new) and joins it to the current epoch, so it is
// listed even if it records nothing. Returns its thread index, 0 if it has no buffer.
std::uint32_t touch_thread() noexcept;

// The process's control block (see ControlHeader), mapped at first call: in
// TESTSCOPE_BUFFER_DIR beside the buffers when set. Null only if no memory could be had.
// Capture writes it; the recorder keeps it private to the parent across fork().
ControlHeader* control_block() noexcept;

// Per-thread buffer size in bytes: TESTSCOPE_BUFFER_KB (KiB) or 8 MiB. Read once.
std::size_t buffer_capacity() noexcept;

}  // namespace testscope::detail
