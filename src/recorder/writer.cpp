// The general record writers, and the entry points for events, logs and status.
#include "recorder/writer.hpp"

#include <cstring>

#include "recorder/provoke.hpp"
#include "testscope/detail/recorder_hooks.hpp"
#include "testscope/log.hpp"

namespace testscope::detail {

std::uint32_t site_id(ThreadState& state, std::string_view name, const char* file, const char* function,
                      std::uint32_t line) noexcept {
  if (const std::uint32_t cached = cached_site(state, name, file, function, line)) return cached;
  SiteEntry& entry = state.sites[site_slot(file, line, name.size())];
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

bool write_begin(ThreadState& state, std::uint32_t site, const BeginPayload& payload) noexcept {
  if (reserve(state, kBeginSize + kEndSize) == nullptr) return false;
  put_begin(state, site, payload);
  return true;
}

void write_end(ThreadState& state, std::uint64_t span_id, bool room_kept) noexcept {
  const std::uint64_t ticks = now_ticks();
  if (room_kept && state.end_room >= kEndSize) {
    use_end_room(state);
  } else if (reserve(state, kEndSize) == nullptr) {
    return;
  }
  put_end(state, span_id, ticks);
}

void write_value(ThreadState& state, RecordKind kind, std::uint64_t span_id, std::string_view key,
                 RecordValue value) noexcept {
  key = clamp(key);
  if (value.type == AttributeValue::Type::kString) {
    value.text = clamp(value.text);
    value.bits = value.text.size();
  }
  const std::size_t size = value_record_size(key, value);
  if (reserve(state, size) == nullptr) return;
  put_value(state, kind, span_id, key, value, size);
}

// The name of this epoch's call site `id` on this thread, "" if it is not in the cache.
std::string_view site_name(const ThreadState& state, std::uint32_t id) noexcept {
  for (const SiteEntry& entry : state.sites) {
    if (entry.epoch == state.epoch && entry.id == id) return {entry.name.data(), entry.name_len};
  }
  return {};
}

void record_event(std::uint64_t span_id, std::string_view name, const Attribute* attributes,
                  std::size_t count) noexcept {
  if (ThreadState* state = thread_state()) {
    record_event_at(*state, span_id, now_ticks(), name, attributes, count);
  }
}

void record_event_at(ThreadState& state, std::uint64_t span_id, std::uint64_t ticks, std::string_view name,
                     const Attribute* attributes, std::size_t count) noexcept {
  name = clamp(name);
  const std::size_t size = padded(sizeof(RecordHeader) + sizeof(EndPayload) + name.size());
  std::byte* at = reserve(state, size);
  if (at == nullptr) return;
  write_header(at, RecordKind::kEvent, 0, size, static_cast<std::uint32_t>(name.size()));
  store_field(at, offsetof(EndPayload, span_id), span_id);
  store_field(at, offsetof(EndPayload, ticks), ticks);
  copy_bytes(at + sizeof(RecordHeader) + sizeof(EndPayload), name.data(), name.size());
  commit(state, size);
  for (std::size_t i = 0; i < count; ++i) {
    write_value(state, RecordKind::kEventAttribute, span_id, attributes[i].key,
                record_value(attributes[i].value));
  }
}

void write_log(ThreadState& state, const SpanContext& context, std::uint8_t severity, std::string_view event,
               const Attribute* fields, std::size_t count) noexcept {
  event = clamp(event);
  const std::size_t size = padded(sizeof(RecordHeader) + sizeof(LogPayload) + event.size());
  std::byte* at = reserve(state, size);
  if (at == nullptr) return;
  write_header(at, RecordKind::kLog, severity, size, static_cast<std::uint32_t>(event.size()));
  store_field(at, offsetof(LogPayload, span_id), context.span_id);
  store_field(at, offsetof(LogPayload, trace_hi), context.trace_id.hi);
  store_field(at, offsetof(LogPayload, trace_lo), context.trace_id.lo);
  store_field(at, offsetof(LogPayload, ticks), now_ticks());
  copy_bytes(at + sizeof(RecordHeader) + sizeof(LogPayload), event.data(), event.size());
  commit(state, size);
  for (std::size_t i = 0; i < count; ++i) {
    write_value(state, RecordKind::kLogField, context.span_id, fields[i].key, record_value(fields[i].value));
  }
}

void record_log(std::uint8_t severity, std::string_view event, const Attribute* fields,
                std::size_t count) noexcept {
  ThreadState* state = thread_state();
  if (state == nullptr) return;
  if (provoke_active()) [[unlikely]] {
    provoke_at(*state, PointKind::kLog, event, 0);
  }
  write_log(*state, state->current.valid() ? state->current : root_context(), severity, event, fields, count);
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

}  // namespace testscope::detail

namespace testscope {

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
