// The recorder's entry points for a language binding (testscope/detail/foreign.hpp).
#include "testscope/detail/foreign.hpp"

#include <array>
#include <atomic>

#include "recorder/provoke.hpp"
#include "recorder/writer.hpp"
#include "testscope/detail/recorder_hooks.hpp"

namespace testscope::detail {

ForeignSpan begin_foreign_span(std::string_view name, const SpanContext& parent, const SpanContext& self,
                               const char* file, const char* function, std::uint32_t line) noexcept {
  ForeignSpan span;
  if (!capture_active()) return span;
  ThreadState* state = thread_state();
  if (state == nullptr) return span;
  const SpanContext parent_context = parent.valid() ? parent : root_context();
  if (self.valid()) {
    span.context = self;
  } else {
    span.context = SpanContext{parent_context.trace_id, next_random(*state), parent_context.sampled};
  }
  span.lane = state;
  span.epoch = state->epoch;
  const std::uint32_t site = site_id(*state, name, file, function, line);
  span.end_room_kept = write_begin(*state, site,
                                   BeginPayload{span.context.span_id, parent_context.span_id,
                                                span.context.trace_id.hi, span.context.trace_id.lo, 0});
  return span;
}

void end_foreign_span(const ForeignSpan& span) noexcept {
  if (!span.context.valid()) return;
  ThreadState* state = thread_state();
  if (state == nullptr) return;
  // The room its begin kept belongs to that buffer and epoch only.
  write_end(*state, span.context.span_id,
            span.end_room_kept && state == span.lane && state->epoch == span.epoch);
}

void record_foreign_log(const SpanContext& context, std::uint8_t severity, std::string_view event,
                        const Attribute* fields, std::size_t count) noexcept {
  if (!capture_active()) return;
  ThreadState* state = thread_state();
  if (state == nullptr) return;
  write_log(*state, context.valid() ? context : root_context(), severity, event, fields, count);
}

SpanContext foreign_root_context() noexcept { return capture_active() ? root_context() : SpanContext{}; }

ForeignWait foreign_provoke_wait(ForeignPoint point, std::string_view name, std::uint32_t line) noexcept {
  const bool at_begin = point != ForeignPoint::kEnd;
  ForeignWait result;
  result.point = at_begin ? ForeignPoint::kBegin : ForeignPoint::kEnd;
  result.name = name;
  if (!provoke_active()) return result;
  ThreadState* state = thread_state();
  if (state == nullptr || state->buffer->os_tid >= kLaneTidBase) return result;  // lanes never wait
  const ProvokeWait wait = provoke_wait(*state, at_begin ? PointKind::kBegin : PointKind::kEnd, name, line);
  result.start_ticks = wait.start_ticks;
  result.waited_ns = wait.waited_ns;
  return result;
}

std::uint64_t foreign_now_ticks() noexcept { return now_ticks(); }

namespace {
// The capture's mapping of ticks to unix time for the current test (set_tick_mapping). Read
// from any thread; each field on its own is enough between tests, when nothing reads them.
std::atomic<std::uint64_t> g_map_ticks0{0};
std::atomic<std::int64_t> g_map_unix0{0};
std::atomic<double> g_map_ns_per_tick{1.0};
}  // namespace

void set_tick_mapping(std::uint64_t ticks0, std::int64_t unix0, double ns_per_tick) noexcept {
  g_map_ticks0.store(ticks0, std::memory_order_relaxed);
  g_map_unix0.store(unix0, std::memory_order_relaxed);
  g_map_ns_per_tick.store(ns_per_tick > 0 ? ns_per_tick : 1.0, std::memory_order_relaxed);
}

std::uint64_t foreign_ticks_at_unix_ns(std::int64_t unix_ns) noexcept {
  const auto ns = static_cast<double>(unix_ns - g_map_unix0.load(std::memory_order_relaxed));
  const double ticks = ns / g_map_ns_per_tick.load(std::memory_order_relaxed);
  return g_map_ticks0.load(std::memory_order_relaxed) +
         static_cast<std::uint64_t>(static_cast<std::int64_t>(ticks));
}

void record_foreign_event_at(std::uint64_t span_id, std::uint64_t ticks, std::string_view name,
                             const Attribute* attributes, std::size_t count) noexcept {
  if (!capture_active()) return;
  if (ThreadState* state = thread_state()) record_event_at(*state, span_id, ticks, name, attributes, count);
}

void record_foreign_wait(std::uint64_t span_id, const ForeignWait& wait) noexcept {
  if (wait.waited_ns <= 0 || !capture_active()) return;
  ThreadState* state = thread_state();
  if (state == nullptr) return;
  ProvokeWait recorded;
  recorded.start_ticks = wait.start_ticks;
  recorded.waited_ns = wait.waited_ns;
  static constexpr std::array<PointKind, 3> kKinds = {PointKind::kBegin, PointKind::kEnd, PointKind::kResume};
  recorded.kind = kKinds.at(static_cast<std::size_t>(wait.point));
  recorded.name = wait.name;
  record_wait(*state, span_id != 0 ? span_id : root_context().span_id, recorded);
}

}  // namespace testscope::detail
