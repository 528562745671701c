// Span begin/end and span attributes: the hot path.
//
// Each has a fast path for the common case, written as code that calls nothing (no
// register saves, no call overhead): a registered thread in the current test's epoch, no
// provocation, a call site already cached this epoch, short strings and room in the
// buffer. Anything else takes the general path, which writes the same records (see
// recorder/writer.hpp). docs/performance.md has what each costs.
#include "testscope/span.hpp"

#include <atomic>

#include "recorder/provoke.hpp"
#include "recorder/writer.hpp"

namespace testscope {
namespace detail {

// Span's private members, for the recorder's helpers below.
struct SpanWriter {
  // Makes `span` the thread's current context, child of `parent` when it is valid, else of
  // the current context, else of the test's root span; returns its begin record's payload
  // (ticks to be read). Built from locals, field by field: a SpanContext copied through
  // memory makes the loads that follow wait for the stores (a 16-byte load cannot be
  // forwarded from two 8-byte stores).
  static BeginPayload enter(Span& span, ThreadState& state, const SpanContext* parent) noexcept {
    SpanContext& current = state.current;
    BeginPayload payload{};
    bool sampled = true;
    if (parent != nullptr && parent->valid()) {
      payload.trace_hi = parent->trace_id.hi;
      payload.trace_lo = parent->trace_id.lo;
      payload.parent_id = parent->span_id;
      sampled = parent->sampled;
    } else if (current.valid()) {
      payload.trace_hi = current.trace_id.hi;
      payload.trace_lo = current.trace_id.lo;
      payload.parent_id = current.span_id;
      sampled = current.sampled;
    } else {  // root_context(), read field by field
      payload.trace_hi = g_root_trace_hi.load(std::memory_order_relaxed);
      payload.trace_lo = g_root_trace_lo.load(std::memory_order_relaxed);
      payload.parent_id = g_root_span.load(std::memory_order_relaxed);
    }
    payload.span_id = next_random(state);
    span.id_ = payload.span_id;
    span.trace_hi_ = payload.trace_hi;
    span.trace_lo_ = payload.trace_lo;
    span.previous_span_ = current.span_id;
    span.previous_trace_hi_ = current.trace_id.hi;
    span.previous_trace_lo_ = current.trace_id.lo;
    span.previous_sampled_ = current.sampled;
    span.epoch_ = state.epoch;
    current.trace_id.hi = payload.trace_hi;
    current.trace_id.lo = payload.trace_lo;
    current.span_id = payload.span_id;
    current.sampled = sampled;
    return payload;
  }

  // Gives the thread back the context it had before `span`, if `span` is still current.
  // A span begun in an earlier test leaves the new test's context alone.
  static void leave(const Span& span, ThreadState& state) noexcept {
    SpanContext& current = state.current;
    if (state.epoch == span.epoch_ && current.span_id == span.id_) {
      current.trace_id.hi = span.previous_trace_hi_;
      current.trace_id.lo = span.previous_trace_lo_;
      current.span_id = span.previous_span_;
      current.sampled = span.previous_sampled_;
    }
  }

  [[gnu::noinline]] static void begin_general(Span& span, std::string_view name,
                                              const SourceLocation& location,
                                              const SpanContext* parent) noexcept {
    ThreadState* state = thread_state();
    if (state == nullptr) return;
    ProvokeWait wait;
    if (provoke_active()) [[unlikely]] {  // before the span: the wait is not its time
      wait = provoke_wait(*state, PointKind::kBegin, name, location.line);
    }
    const BeginPayload payload = enter(span, *state, parent);
    span.site_ = site_id(*state, name, location.file, location.function, location.line);
    span.end_room_kept_ = write_begin(*state, span.site_, payload);
    span.recording_ = true;
    if (wait.waited_ns > 0) [[unlikely]] {
      record_wait(*state, span.id_, wait);
    }
  }

  // begin_general() for Span::begin: every argument in a register, so the fast path that
  // falls back to it ends in a jump.
  [[gnu::noinline]] static void begin_at(Span& span, std::string_view name, const char* file,
                                         const char* function, std::uint32_t line) noexcept {
    begin_general(span, name, SourceLocation{file, function, line}, nullptr);
  }

  [[gnu::noinline]] static void finish_general(Span& span) noexcept {
    ThreadState* state = thread_state();
    if (state == nullptr) return;
    // The room its begin kept is this thread's, in this epoch (a span ends on the thread that
    // began it, as the context restored below assumes).
    write_end(*state, span.id_, span.end_room_kept_ && state->epoch == span.epoch_);
    leave(span, *state);
    if (provoke_active() && state->epoch == span.epoch_) [[unlikely]] {  // after the span, like begin's
      const ProvokeWait wait = provoke_wait(*state, PointKind::kEnd, site_name(*state, span.site_), 0);
      record_wait(*state, span.id_, wait);
    }
  }
};

namespace {

// The calling thread's state when it is registered and in the current epoch, else null
// (then thread_state() registers or resets it).
ThreadState* steady_state() noexcept {
  ThreadState* state = t_state;
  if (state == nullptr || state->epoch != g_epoch.load(std::memory_order_acquire)) [[unlikely]] {
    return nullptr;
  }
  return state;
}

// The general paths of attributes. Separate for strings and scalars, so that every
// argument travels in a register and the fast paths below end in a plain jump here.
[[gnu::noinline]] void write_string_attribute(std::uint64_t span_id, std::string_view key,
                                              std::string_view text) noexcept {
  if (ThreadState* state = thread_state()) {
    write_value(*state, RecordKind::kAttribute, span_id, key,
                RecordValue{AttributeValue::Type::kString, 0, text});
  }
}

[[gnu::noinline]] void write_scalar_attribute(std::uint64_t span_id, std::string_view key,
                                              AttributeValue::Type type, std::uint64_t bits) noexcept {
  if (ThreadState* state = thread_state()) {
    write_value(*state, RecordKind::kAttribute, span_id, key, RecordValue{type, bits, {}});
  }
}

// An attribute's fast path: short key and string, room in the buffer. False: take the
// general path.
inline bool put_attribute(std::uint64_t span_id, std::string_view key, const RecordValue& value) noexcept {
  ThreadState* state = steady_state();
  if (state == nullptr || key.size() > kShortBytes || value.text.size() > kShortBytes) [[unlikely]] {
    return false;
  }
  const std::size_t size = value_record_size(key, value);
  if (!has_room(*state, size)) [[unlikely]] {
    return false;
  }
  put_value(*state, RecordKind::kAttribute, span_id, key, value, size);
  return true;
}

}  // namespace

void record_string_attribute(std::uint64_t span_id, std::string_view key, std::string_view value) noexcept {
  if (!put_attribute(span_id, key, RecordValue{AttributeValue::Type::kString, value.size(), value}))
      [[unlikely]] {
    write_string_attribute(span_id, key, value);
  }
}

void record_scalar_attribute(std::uint64_t span_id, std::string_view key, AttributeValue::Type type,
                             std::uint64_t bits) noexcept {
  if (!put_attribute(span_id, key, RecordValue{type, bits, {}})) [[unlikely]] {
    write_scalar_attribute(span_id, key, type, bits);
  }
}

}  // namespace detail

void Span::begin(std::string_view name, const char* file, const char* function, std::uint32_t line) noexcept {
  using detail::SpanWriter;
  detail::ThreadState* state = detail::steady_state();
  if (state != nullptr && !detail::provoke_active() && name.size() <= detail::kShortBytes &&
      detail::has_room(*state, detail::kBeginSize + detail::kEndSize)) [[likely]] {
    const std::uint32_t site = detail::cached_site(*state, name, file, function, line);
    if (site != 0) [[likely]] {
      const detail::BeginPayload payload = SpanWriter::enter(*this, *state, nullptr);
      site_ = site;
      detail::put_begin(*state, site, payload);
      end_room_kept_ = true;
      recording_ = true;
      return;
    }
  }
  SpanWriter::begin_at(*this, name, file, function, line);
}

void Span::begin_child_of(const SpanContext& parent, std::string_view name,
                          const SourceLocation& location) noexcept {
  detail::SpanWriter::begin_general(*this, name, location, &parent);
}

void Span::finish() noexcept {
  recording_ = false;
  // The thread's epoch is the span's: its end goes where its begin went (see put_attribute).
  detail::ThreadState* state = detail::t_state;
  if (state != nullptr && end_room_kept_ && state->epoch == epoch_ && !detail::provoke_active() &&
      state->end_room >= detail::kEndSize) [[likely]] {
    const std::uint64_t ticks = detail::now_ticks();
    detail::use_end_room(*state);
    detail::put_end(*state, id_, ticks);
    detail::SpanWriter::leave(*this, *state);
    return;
  }
  detail::SpanWriter::finish_general(*this);
}

SpanContext Span::context() const noexcept {
  if (!recording_) return {};
  return SpanContext{TraceId{trace_hi_, trace_lo_}, id_, true};
}

void add_event(std::string_view name, std::initializer_list<Attribute> attributes) noexcept {
  if (!detail::capture_active()) return;
  const SpanContext context = current_context();
  if (context.valid()) detail::record_event(context.span_id, name, attributes.begin(), attributes.size());
}

void set_thread_name(std::string_view name) noexcept { detail::set_thread_name_impl(name); }

}  // namespace testscope
