// Internal to the recorder: the provocation points at span begin/end and log events
// (include/testscope/provoke.hpp says what provocation is).
#pragma once

#include <cstdint>
#include <string_view>

#include "recorder/thread_state.hpp"
#include "testscope/attribute.hpp"

namespace testscope::detail {

enum class PointKind : std::uint8_t { kBegin, kEnd, kLog, kPoint, kResume };

// A wait that happened at a point. Plain data.
struct ProvokeWait {
  std::uint64_t start_ticks = 0;  // when it began (recorder/clock.hpp ticks)
  std::int64_t waited_ns = 0;     // 0: the point did not wait
  PointKind kind = PointKind::kPoint;
  std::string_view name;
};

// Maybe waits here (the choice is the profile's, keyed as the public header says) and says
// how long. Call only when provoke_active(); then record_wait() the result on a span.
ProvokeWait provoke_wait(ThreadState& state, PointKind kind, std::string_view name,
                         std::uint32_t line) noexcept;

// Records `wait` (if it waited) as a `testscope.provoke.wait` event on span `span_id`, at
// the time it began: a wait before a span begins or after it ends goes on that span, so it
// shows on the waiting thread's lane, outside the span's own time.
void record_wait(ThreadState& state, std::uint64_t span_id, const ProvokeWait& wait) noexcept;

// provoke_wait() then record_wait() on the thread's current span (or the test's root).
void provoke_at(ThreadState& state, PointKind kind, std::string_view name, std::uint32_t line) noexcept;

// The name of this epoch's call site `id` on this thread ("" if not cached). In span.cpp.
std::string_view site_name(const ThreadState& state, std::uint32_t id) noexcept;

// An event record at `ticks` instead of now (record_event's). In span.cpp.
void record_event_at(ThreadState& state, std::uint64_t span_id, std::uint64_t ticks, std::string_view name,
                     const Attribute* attributes, std::size_t count) noexcept;

// A test starts / ends: provocation follows the settings for the test's duration.
void provoke_test_begin() noexcept;
void provoke_test_end() noexcept;

}  // namespace testscope::detail
