// Span begin/end and the attribute, event and status records: the hot path.
#include "testscope/span.hpp"

#include <array>
#include <atomic>
#include <cstring>

#include "recorder/clock.hpp"
#include "recorder/provoke.hpp"
#include "recorder/thread_state.hpp"
#include "testscope/detail/foreign.hpp"
#include "testscope/log.hpp"

namespace testscope {
namespace detail {
namespace {

std::size_t site_slot(const char* file, std::uint32_t line, std::size_t name_len) noexcept {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): hashing an address
  auto h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(file));
  h ^= (static_cast<std::uint64_t>(line) << 20U) ^ name_len;
  h *= 0x9E3779B97F4A7C15ULL;
  return static_cast<std::size_t>(h >> 58U);  // 64 slots
}

// Site id for (name, location), writing a kSite record the first time this epoch.
// Returns 0 when the record could not be written.
std::uint32_t site_id(ThreadState& state, std::string_view name, const char* file, const char* function,
                      std::uint32_t line) noexcept {
  SiteEntry& entry = state.sites[site_slot(file, line, name.size())];
  if (entry.epoch == state.epoch && entry.file == file && entry.line == line && entry.function == function &&
      entry.name_len == name.size() && same_bytes(entry.name.data(), name.data(), name.size())) {
    return entry.id;
  }
  name = clamp(name);
  const std::string_view file_view = clamp(file);
  const std::string_view function_view = clamp(function);
  const std::size_t size = padded(sizeof(RecordHeader) + sizeof(SitePayload) + name.size() +
                                  file_view.size() + function_view.size());
  std::byte* at = reserve(state, size);
  if (at == nullptr) return 0;
  const std::uint32_t id = ++state.next_site;
  write_header(at, RecordKind::kSite, 0, size, id);
  const SitePayload payload{line,
                            static_cast<std::uint16_t>(name.size()),
                            static_cast<std::uint16_t>(file_view.size()),
                            static_cast<std::uint16_t>(function_view.size()),
                            {}};
  std::byte* cursor = at + sizeof(RecordHeader);
  std::memcpy(cursor, &payload, sizeof payload);
  cursor += sizeof payload;
  copy_bytes(cursor, name.data(), name.size());
  cursor += name.size();
  copy_bytes(cursor, file_view.data(), file_view.size());
  cursor += file_view.size();
  copy_bytes(cursor, function_view.data(), function_view.size());
  commit(state, size);
  if (name.size() <= entry.name.size()) {
    entry.file = file;
    entry.function = function;
    entry.line = line;
    entry.epoch = state.epoch;
    entry.id = id;
    entry.name_len = static_cast<std::uint16_t>(name.size());
    if (!name.empty()) std::memcpy(entry.name.data(), name.data(), name.size());
  }
  return id;
}

constexpr std::size_t kEndSize = sizeof(RecordHeader) + sizeof(EndPayload);

// Writes a begin record and keeps room for the span's end (end_room); false if it was
// dropped (the buffer is full).
bool write_begin(ThreadState& state, std::uint32_t site, const SpanContext& self,
                 std::uint64_t parent_id) noexcept {
  constexpr std::size_t kSize = sizeof(RecordHeader) + sizeof(BeginPayload);
  std::byte* at = reserve(state, kSize + kEndSize);
  if (at == nullptr) return false;
  write_header(at, RecordKind::kBegin, 0, kSize, site);
  const BeginPayload payload{self.span_id, parent_id, self.trace_id.hi, self.trace_id.lo, now_ticks()};
  std::memcpy(at + sizeof(RecordHeader), &payload, sizeof payload);
  commit(state, kSize);
  state.end_room += kEndSize;
  return true;
}

// Writes an end record: into the room its begin kept when `room_kept` (so it is never
// dropped, full buffer or not), else like any record.
void write_end(ThreadState& state, std::uint64_t span_id, bool room_kept) noexcept {
  constexpr std::size_t kSize = kEndSize;
  const std::uint64_t ticks = now_ticks();
  std::byte* at = nullptr;
  if (room_kept && state.end_room >= kSize) {
    state.end_room -= kSize;  // head + end_room <= capacity held before: this fits
    at = state.data + state.head;
  } else {
    at = reserve(state, kSize);
  }
  if (at == nullptr) return;
  write_header(at, RecordKind::kEnd, 0, kSize, 0);
  const EndPayload payload{span_id, ticks};
  std::memcpy(at + sizeof(RecordHeader), &payload, sizeof payload);
  commit(state, kSize);
}

void write_value(ThreadState& state, RecordKind kind, std::uint64_t span_id, std::string_view key,
                 const AttributeValue& value) noexcept {
  key = clamp(key);
  std::string_view text;
  std::uint64_t bits = 0;
  switch (value.type()) {
    case AttributeValue::Type::kString:
      text = clamp(value.as_string());
      bits = text.size();
      break;
    case AttributeValue::Type::kInt:
      bits = static_cast<std::uint64_t>(value.as_int());
      break;
    case AttributeValue::Type::kDouble: {
      const double d = value.as_double();
      std::memcpy(&bits, &d, sizeof bits);
      break;
    }
    case AttributeValue::Type::kBool:
      bits = value.as_bool() ? 1 : 0;
      break;
  }
  const std::size_t size = padded(sizeof(RecordHeader) + sizeof(ValuePayload) + key.size() + text.size());
  std::byte* at = reserve(state, size);
  if (at == nullptr) return;
  write_header(at, kind, static_cast<std::uint8_t>(value.type()), size,
               static_cast<std::uint32_t>(key.size()));
  const ValuePayload payload{span_id, bits};
  std::byte* cursor = at + sizeof(RecordHeader);
  std::memcpy(cursor, &payload, sizeof payload);
  cursor += sizeof payload;
  copy_bytes(cursor, key.data(), key.size());
  copy_bytes(cursor + key.size(), text.data(), text.size());
  commit(state, size);
}

}  // namespace

// The name of this epoch's call site `id` on this thread, "" if it is not in the cache.
std::string_view site_name(const ThreadState& state, std::uint32_t id) noexcept {
  for (const SiteEntry& entry : state.sites) {
    if (entry.epoch == state.epoch && entry.id == id) return {entry.name.data(), entry.name_len};
  }
  return {};
}

void record_attribute(std::uint64_t span_id, std::string_view key, const AttributeValue& value) noexcept {
  if (ThreadState* state = thread_state()) write_value(*state, RecordKind::kAttribute, span_id, key, value);
}

void record_event(std::uint64_t span_id, std::string_view name, const Attribute* attributes,
                  std::size_t count) noexcept {
  if (ThreadState* state = thread_state()) {
    record_event_at(*state, span_id, now_ticks(), name, attributes, count);
  }
}

void record_event_at(ThreadState& state_ref, std::uint64_t span_id, std::uint64_t ticks,
                     std::string_view name, const Attribute* attributes, std::size_t count) noexcept {
  ThreadState* state = &state_ref;
  name = clamp(name);
  const std::size_t size = padded(sizeof(RecordHeader) + sizeof(EndPayload) + name.size());
  std::byte* at = reserve(*state, size);
  if (at == nullptr) return;
  write_header(at, RecordKind::kEvent, 0, size, static_cast<std::uint32_t>(name.size()));
  const EndPayload payload{span_id, ticks};
  std::memcpy(at + sizeof(RecordHeader), &payload, sizeof payload);
  copy_bytes(at + sizeof(RecordHeader) + sizeof payload, name.data(), name.size());
  commit(*state, size);
  for (std::size_t i = 0; i < count; ++i) {
    write_value(*state, RecordKind::kEventAttribute, span_id, attributes[i].key, attributes[i].value);
  }
}

void record_log(std::uint8_t severity, std::string_view event, const Attribute* fields,
                std::size_t count) noexcept {
  ThreadState* state = thread_state();
  if (state == nullptr) return;
  if (provoke_active()) [[unlikely]] {
    provoke_at(*state, PointKind::kLog, event, 0);
  }
  const SpanContext context = state->current.valid() ? state->current : root_context();
  event = clamp(event);
  const std::size_t size = padded(sizeof(RecordHeader) + sizeof(LogPayload) + event.size());
  std::byte* at = reserve(*state, size);
  if (at == nullptr) return;
  write_header(at, RecordKind::kLog, severity, size, static_cast<std::uint32_t>(event.size()));
  const LogPayload payload{context.span_id, context.trace_id.hi, context.trace_id.lo, now_ticks()};
  std::memcpy(at + sizeof(RecordHeader), &payload, sizeof payload);
  copy_bytes(at + sizeof(RecordHeader) + sizeof payload, event.data(), event.size());
  commit(*state, size);
  for (std::size_t i = 0; i < count; ++i) {
    write_value(*state, RecordKind::kLogField, context.span_id, fields[i].key, fields[i].value);
  }
}

void record_status(std::uint64_t span_id, std::uint8_t code, std::string_view message) noexcept {
  ThreadState* state = thread_state();
  if (state == nullptr) return;
  message = clamp(message);
  const std::size_t size = padded(sizeof(RecordHeader) + sizeof(StatusPayload) + message.size());
  std::byte* at = reserve(*state, size);
  if (at == nullptr) return;
  write_header(at, RecordKind::kStatus, code, size, static_cast<std::uint32_t>(message.size()));
  const StatusPayload payload{span_id};
  std::memcpy(at + sizeof(RecordHeader), &payload, sizeof payload);
  copy_bytes(at + sizeof(RecordHeader) + sizeof payload, message.data(), message.size());
  commit(*state, size);
}

}  // namespace detail

void Span::begin(std::string_view name, const SourceLocation& location, const SpanContext* parent) noexcept {
  detail::ThreadState* state = detail::thread_state();
  if (state == nullptr) return;
  detail::ProvokeWait wait;
  if (detail::provoke_active()) [[unlikely]] {  // before the span: the wait is not its time
    wait = detail::provoke_wait(*state, detail::PointKind::kBegin, name, location.line);
  }
  const SpanContext parent_context = parent != nullptr && parent->valid()
                                         ? *parent
                                         : (state->current.valid() ? state->current : detail::root_context());
  id_ = detail::next_random(*state);
  trace_hi_ = parent_context.trace_id.hi;
  trace_lo_ = parent_context.trace_id.lo;
  previous_span_ = state->current.span_id;
  previous_trace_hi_ = state->current.trace_id.hi;
  previous_trace_lo_ = state->current.trace_id.lo;
  previous_sampled_ = state->current.sampled;
  epoch_ = state->epoch;
  state->current = SpanContext{parent_context.trace_id, id_, parent_context.sampled};
  const std::uint32_t site = detail::site_id(*state, name, location.file, location.function, location.line);
  site_ = site;
  end_room_kept_ = detail::write_begin(*state, site, state->current, parent_context.span_id);
  recording_ = true;
  if (wait.waited_ns > 0) [[unlikely]] {
    detail::record_wait(*state, id_, wait);
  }
}

void Span::finish() noexcept {
  recording_ = false;
  detail::ThreadState* state = detail::thread_state();
  if (state == nullptr) return;
  // The room its begin kept is this thread's, in this epoch (a span ends on the thread that
  // began it, as the context restored below assumes).
  detail::write_end(*state, id_, end_room_kept_ && state->epoch == epoch_);
  // A span begun in an earlier test leaves the new test's context alone.
  if (state->epoch == epoch_ && state->current.span_id == id_) {
    state->current =
        SpanContext{TraceId{previous_trace_hi_, previous_trace_lo_}, previous_span_, previous_sampled_};
  }
  if (detail::provoke_active() && state->epoch == epoch_) [[unlikely]] {  // after the span, like begin's
    const detail::ProvokeWait wait =
        detail::provoke_wait(*state, detail::PointKind::kEnd, detail::site_name(*state, site_), 0);
    detail::record_wait(*state, id_, wait);
  }
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

std::string_view to_string(Severity severity) noexcept {
  switch (severity) {
    case Severity::kTrace:
      return "TRACE";
    case Severity::kDebug:
      return "DEBUG";
    case Severity::kInfo:
      return "INFO";
    case Severity::kWarn:
      return "WARN";
    case Severity::kError:
      return "ERROR";
    case Severity::kFatal:
      return "FATAL";
  }
  return "INFO";
}

}  // namespace testscope

// ---- Entry points for a language binding (testscope/detail/foreign.hpp) -----------------------
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
  span.end_room_kept = write_begin(*state, site, span.context, parent_context.span_id);
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
  const SpanContext at = context.valid() ? context : root_context();
  event = clamp(event);
  const std::size_t size = padded(sizeof(RecordHeader) + sizeof(LogPayload) + event.size());
  std::byte* record = reserve(*state, size);
  if (record == nullptr) return;
  write_header(record, RecordKind::kLog, severity, size, static_cast<std::uint32_t>(event.size()));
  const LogPayload payload{at.span_id, at.trace_id.hi, at.trace_id.lo, now_ticks()};
  std::memcpy(record + sizeof(RecordHeader), &payload, sizeof payload);
  copy_bytes(record + sizeof(RecordHeader) + sizeof payload, event.data(), event.size());
  commit(*state, size);
  for (std::size_t i = 0; i < count; ++i) {
    write_value(*state, RecordKind::kLogField, at.span_id, fields[i].key, fields[i].value);
  }
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
