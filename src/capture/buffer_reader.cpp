#include "capture/buffer_reader.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "recorder/records.hpp"

namespace testscope::detail {
namespace {

struct Site {
  std::string name;
  std::string file;
  std::string function;
  std::uint32_t line = 0;
};

template <typename T>
T load(const std::byte* at) noexcept {
  T value{};
  std::memcpy(&value, at, sizeof value);
  return value;
}

std::string_view text(const std::byte* at, std::size_t length) noexcept {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes viewed as chars
  return {reinterpret_cast<const char*>(at), length};
}

AttributeData decode_value(const RecordHeader& header, const std::byte* body, std::size_t body_size,
                           bool& ok) {
  const auto payload = load<ValuePayload>(body);
  const std::size_t key_len = header.aux;
  AttributeData attribute;
  const std::byte* strings = body + sizeof(ValuePayload);
  const std::size_t string_room = body_size - sizeof(ValuePayload);
  if (key_len > string_room) {
    ok = false;
    return attribute;
  }
  attribute.key = std::string(text(strings, key_len));
  switch (static_cast<AttributeValue::Type>(header.type)) {
    case AttributeValue::Type::kString:
      if (payload.value > string_room - key_len) {
        ok = false;
        break;
      }
      attribute.value = std::string(text(strings + key_len, payload.value));
      break;
    case AttributeValue::Type::kInt:
      attribute.value = static_cast<std::int64_t>(payload.value);
      break;
    case AttributeValue::Type::kDouble: {
      double d = 0;
      std::memcpy(&d, &payload.value, sizeof d);
      attribute.value = d;
      break;
    }
    case AttributeValue::Type::kBool:
      attribute.value = payload.value != 0;
      break;
    default:
      ok = false;
  }
  return attribute;
}

void set_attribute(std::vector<AttributeData>& attributes, AttributeData attribute) {
  for (auto& existing : attributes) {
    if (existing.key == attribute.key) {
      existing.value = std::move(attribute.value);
      return;
    }
  }
  attributes.push_back(std::move(attribute));
}

// Begin records in a buffer: the spans it adds (to make room for them up front).
std::size_t count_begins(const BufferView& buffer) noexcept {
  std::size_t count = 0;
  std::size_t offset = 0;
  while (offset + sizeof(RecordHeader) <= buffer.size) {
    const auto header = load<RecordHeader>(buffer.data + offset);
    if (header.size < sizeof(RecordHeader)) break;  // malformed: add_buffer stops there too
    if (header.kind == RecordKind::kBegin) ++count;
    offset += header.size;
  }
  return count;
}

}  // namespace

SpanData* SpanAssembler::find(std::uint64_t span_id) {
  if (span_id != 0 && span_id == root_.span_id) return &root_;
  auto it = index_.find(span_id);
  return it == index_.end() ? nullptr : &spans_[it->second];
}

// One loop over the records with a short case per record kind (records.hpp); splitting
// it would scatter the format across functions.
// NOLINTNEXTLINE(readability-function-cognitive-complexity)
bool SpanAssembler::add_buffer(const BufferView& buffer) {
  // Room for this buffer's spans, so that neither the spans nor the index grow while decoding
  // (at least doubling, so that many small buffers do not cost a reallocation each).
  const std::size_t spans = spans_.size() + count_begins(buffer);
  if (spans > spans_.capacity()) {
    spans_.reserve(std::max(spans, 2 * spans_.capacity()));
    index_.reserve(spans_.capacity());
  }
  std::unordered_map<std::uint32_t, Site> sites;
  EventData* last_event = nullptr;
  LogData* last_log = nullptr;
  std::size_t offset = 0;
  while (offset + sizeof(RecordHeader) <= buffer.size) {
    const auto header = load<RecordHeader>(buffer.data + offset);
    if (header.size < sizeof(RecordHeader) || header.size % 8 != 0 || offset + header.size > buffer.size) {
      return false;
    }
    const std::byte* body = buffer.data + offset + sizeof(RecordHeader);
    const std::size_t body_size = header.size - sizeof(RecordHeader);
    offset += header.size;
    bool ok = true;
    switch (header.kind) {
      case RecordKind::kSite: {
        if (body_size < sizeof(SitePayload)) return false;
        const auto payload = load<SitePayload>(body);
        const std::size_t total = std::size_t{payload.name_len} + payload.file_len + payload.function_len;
        if (total > body_size - sizeof(SitePayload)) return false;
        const std::byte* strings = body + sizeof(SitePayload);
        Site& site = sites[header.aux];
        site.name = std::string(text(strings, payload.name_len));
        site.file = std::string(text(strings + payload.name_len, payload.file_len));
        site.function =
            std::string(text(strings + payload.name_len + payload.file_len, payload.function_len));
        site.line = payload.line;
        break;
      }
      case RecordKind::kBegin: {
        if (body_size < sizeof(BeginPayload)) return false;
        const auto payload = load<BeginPayload>(body);
        SpanData span;
        span.trace_id = TraceId{payload.trace_hi, payload.trace_lo};
        span.span_id = payload.span_id;
        span.parent_span_id = payload.parent_id;
        span.start_unix_ns = clock_.to_unix_ns(payload.ticks);
        span.ended = false;
        span.thread_index = buffer.thread_index;
        auto site = sites.find(header.aux);
        if (site != sites.end()) {
          span.name = site->second.name;
          span.file = site->second.file;
          span.function = site->second.function;
          span.line = site->second.line;
        } else {
          span.name = "(unknown: name dropped)";
        }
        index_[span.span_id] = spans_.size();
        spans_.push_back(std::move(span));
        last_event = nullptr;
        break;
      }
      case RecordKind::kEnd: {
        if (body_size < sizeof(EndPayload)) return false;
        const auto payload = load<EndPayload>(body);
        if (SpanData* span = find(payload.span_id)) {
          span->end_unix_ns = clock_.to_unix_ns(payload.ticks);
          span->ended = true;
        } else {
          ++orphans_;
        }
        break;
      }
      case RecordKind::kAttribute:
      case RecordKind::kEventAttribute: {
        if (body_size < sizeof(ValuePayload)) return false;
        const auto span_id = load<ValuePayload>(body).span_id;
        AttributeData attribute = decode_value(header, body, body_size, ok);
        if (!ok) return false;
        SpanData* span = find(span_id);
        if (span == nullptr) {
          ++orphans_;
        } else if (header.kind == RecordKind::kAttribute) {
          set_attribute(span->attributes, std::move(attribute));
        } else if (last_event != nullptr) {
          last_event->attributes.push_back(std::move(attribute));
        }
        break;
      }
      case RecordKind::kEvent: {
        if (body_size < sizeof(EndPayload) || header.aux > body_size - sizeof(EndPayload)) return false;
        const auto payload = load<EndPayload>(body);
        last_event = nullptr;
        if (SpanData* span = find(payload.span_id)) {
          EventData event;
          event.name = std::string(text(body + sizeof(EndPayload), header.aux));
          event.time_unix_ns = clock_.to_unix_ns(payload.ticks);
          span->events.push_back(std::move(event));
          last_event = &span->events.back();
        } else {
          ++orphans_;
        }
        break;
      }
      case RecordKind::kLog: {
        if (body_size < sizeof(LogPayload) || header.aux > body_size - sizeof(LogPayload)) return false;
        const auto payload = load<LogPayload>(body);
        LogData log;
        log.time_unix_ns = clock_.to_unix_ns(payload.ticks);
        log.thread_index = buffer.thread_index;
        log.trace_id = TraceId{payload.trace_hi, payload.trace_lo};
        log.span_id = payload.span_id;
        log.severity = static_cast<Severity>(header.type);
        log.event = std::string(text(body + sizeof(LogPayload), header.aux));
        logs_.push_back(std::move(log));
        last_log = &logs_.back();
        break;
      }
      case RecordKind::kLogField: {
        if (body_size < sizeof(ValuePayload)) return false;
        AttributeData field = decode_value(header, body, body_size, ok);
        if (!ok) return false;
        if (last_log != nullptr) last_log->fields.push_back(std::move(field));
        break;
      }
      case RecordKind::kStatus: {
        if (body_size < sizeof(StatusPayload) || header.aux > body_size - sizeof(StatusPayload)) return false;
        const auto payload = load<StatusPayload>(body);
        if (SpanData* span = find(payload.span_id)) {
          span->status = static_cast<StatusCode>(header.type);
          span->status_message = std::string(text(body + sizeof(StatusPayload), header.aux));
        } else {
          ++orphans_;
        }
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace testscope::detail
