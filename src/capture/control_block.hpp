// Internal to capture: keeping the recorder's control block (recorder/records.hpp,
// ControlHeader) up to date, so that the runner knows which test a dead process was in.
// Plain stores into shared memory: no I/O, no lock, no allocation.
#pragma once

#include <cstdint>

#include "capture/buffer_reader.hpp"
#include "testscope/capture.hpp"

namespace testscope::detail {

// A test started: its identity, clock, ids and capture epoch; published last.
void publish_test(const TestInfo& test, const TickMapping& clock, const SpanContext& root,
                  std::uint64_t parent_span_id, std::uint32_t epoch, std::uint32_t test_thread) noexcept;
// An assertion failure of the running test (callers serialise calls). Dropped when the
// failure area is full or no test is running.
void publish_failure(const Failure& failure) noexcept;
// No test is running any more.
void unpublish_test() noexcept;

}  // namespace testscope::detail
