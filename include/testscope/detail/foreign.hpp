// Internal: the recorder's entry points for a language binding (the pytest front's native
// extension, python/). Not a public API: C++ code uses Span, ContextScope and log_event.
//
// A binding differs from C++ code in two ways. Its spans begin and end outside C++ scopes,
// with their parent chosen by the binding's own context (OpenTelemetry's contextvars), so
// they neither read nor change the thread's current context. And several units of
// concurrency (asyncio tasks) share one OS thread, each to be its own lane in the timeline:
// a *lane* is a buffer of its own, written from one OS thread at a time, listed in the
// test's record as a thread named after the task, with a virtual thread id (kLaneTidBase +
// its index, above any Linux pid) so trace viewers give it a track of its own.
//
// Every function is noexcept and records nothing when no test is captured.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "testscope/attribute.hpp"
#include "testscope/context.hpp"

namespace testscope::detail {

struct ThreadState;  // the recorder's per-buffer state (recorder/thread_state.hpp)

// Virtual thread ids of lanes start here: above Linux's largest pid (2^22).
inline constexpr std::uint64_t kLaneTidBase = std::uint64_t{1} << 22U;

// Opens a lane named `name` (truncated to 31 bytes). Null when no buffer could be had.
// Thread-safe. Its buffer stays readable for the test it recorded in after close_lane().
ThreadState* open_lane(std::string_view name) noexcept;
// Makes the calling thread record into `lane` (null: the thread's own buffer) until the
// next call; returns the lane it replaced (null: the thread's own), to be entered again.
ThreadState* enter_lane(ThreadState* lane) noexcept;
// Gives a lane up: its buffer is reused once the current test has been read. The lane
// must not be entered on any thread, and is not used again.
void close_lane(ThreadState* lane) noexcept;

// A span begun by a binding: what its end needs.
struct ForeignSpan {
  SpanContext context;          // invalid when nothing was recorded
  ThreadState* lane = nullptr;  // the buffer its begin went to
  std::uint32_t epoch = 0;      // the capture epoch it began in
  bool end_room_kept = false;   // its begin kept room for its end in that buffer
};

// Begins a span in the buffer the calling thread records into. Its parent is `parent`, or
// the test's root span when `parent` is invalid. Its ids are `self`'s when valid (an
// OpenTelemetry SDK's own ids), else new (the parent's trace, a fresh span id). `file` and
// `function` must stay valid and unchanged for the program's life (the buffer's call-site
// cache keys on their addresses). The thread's current context is left alone.
ForeignSpan begin_foreign_span(std::string_view name, const SpanContext& parent, const SpanContext& self,
                               const char* file, const char* function, std::uint32_t line) noexcept;
// Ends it, in the buffer the calling thread records into now (its begin's buffer, or
// another lane's when the binding ended it elsewhere).
void end_foreign_span(const ForeignSpan& span) noexcept;
// A log event attached to `context` (invalid: the test's root span), with typed fields.
void record_foreign_log(const SpanContext& context, std::uint8_t severity, std::string_view event,
                        const Attribute* fields, std::size_t count) noexcept;
// The test's root span while a test is captured; invalid otherwise.
SpanContext foreign_root_context() noexcept;

// Where a binding's provocation wait (testscope run --provoke) happened: at a span's begin or
// end on a thread, or before a task its own scheduler resumes (asyncio: the event loop).
enum class ForeignPoint : std::uint8_t { kBegin, kEnd, kResume };

// A provocation wait. Plain data; `name` views the caller's string, which must outlive
// record_foreign_wait().
struct ForeignWait {
  std::uint64_t start_ticks = 0;  // foreign_now_ticks() when it began
  std::int64_t waited_ns = 0;     // 0: no wait
  ForeignPoint point = ForeignPoint::kBegin;
  std::string_view name;  // the span's name; for kResume, the task's
};
// Maybe waits, as a C++ span's begin or end would, on the calling thread; never in a lane (a
// wait there would stall the whole event loop, not reorder its tasks). Call only while
// provoke_active(), and without holding locks other threads need (a binding releases its
// interpreter's lock around it, so that other threads run meanwhile).
// `point` is kBegin or kEnd (a task's resumption is chosen by provoke_resume_delay_ns).
ForeignWait foreign_provoke_wait(ForeignPoint point, std::string_view name, std::uint32_t line) noexcept;
// Records a wait that happened as a `testscope.provoke.wait` event on span `span_id` (0: the
// test's root span), in the buffer the calling thread records into.
void record_foreign_wait(std::uint64_t span_id, const ForeignWait& wait) noexcept;

// For units of work that a scheduler of the binding's own resumes (asyncio's tasks, which
// share one thread and so cannot be made to wait): how long provocation holds back the
// `occurrence`-th resumption (1, 2, ...) in this test of the unit named `unit`. Chosen as a
// thread's points are (the run's profile and seed; the unit's name stands for the thread's,
// and decides kChaos's slow units), without waiting: the binding defers the resumption by
// about that long and records the wait it got with ForeignPoint::kResume. 0: resume now,
// also whenever provoke_active() is false.
std::int64_t provoke_resume_delay_ns(std::string_view unit, std::uint64_t occurrence) noexcept;
// The recorder's clock, for a ForeignWait's start_ticks.
std::uint64_t foreign_now_ticks() noexcept;
// The recorder's clock at unix time `unix_ns` (an OpenTelemetry SDK's timestamp), by the
// mapping of the test being captured. Thread-safe.
std::uint64_t foreign_ticks_at_unix_ns(std::int64_t unix_ns) noexcept;
// An event on span `span_id` at `ticks` (foreign_ticks_at_unix_ns), in the buffer the
// calling thread records into.
void record_foreign_event_at(std::uint64_t span_id, std::uint64_t ticks, std::string_view name,
                             const Attribute* attributes, std::size_t count) noexcept;

}  // namespace testscope::detail
