// OTLP/JSON TracesData (opentelemetry-proto trace/v1), with OTLP's JSON rules: trace and
// span ids as lowercase hex, 64-bit integers as decimal strings, enums as integers,
// lowerCamelCase field names.
#include <algorithm>
#include <variant>

#include "testscope/artifacts.hpp"
#include "writers/document_sink.hpp"
#include "writers/json_util.hpp"

namespace testscope {
namespace {

using detail::JsonWriter;
using detail::write_string;

constexpr int kSpanKindInternal = 1;

void write_value(JsonWriter& w, std::string_view value) {
  w.Key("stringValue");
  write_string(w, value);
}
void write_value(JsonWriter& w, std::int64_t value) {
  w.Key("intValue");
  detail::write_int64_string(w, value);
}
void write_value(JsonWriter& w, double value) {
  w.Key("doubleValue");
  detail::write_double(w, value);
}
void write_value(JsonWriter& w, bool value) {
  w.Key("boolValue");
  w.Bool(value);
}
void write_value(JsonWriter& w, const char* value) = delete;  // would be taken as a bool

// {"key": key, "value": {"<type>Value": value}}: an OTLP KeyValue.
template <typename T>
void write_attribute(JsonWriter& w, std::string_view key, const T& value) {
  w.StartObject();
  w.Key("key");
  write_string(w, key);
  w.Key("value");
  w.StartObject();
  write_value(w, value);
  w.EndObject();
  w.EndObject();
}

void write_attribute(JsonWriter& w, const AttributeData& attribute) {
  std::visit([&](const auto& value) { write_attribute(w, attribute.key, value); }, attribute.value);
}

void write_attributes(JsonWriter& w, const std::vector<AttributeData>& attributes) {
  w.Key("attributes");
  w.StartArray();
  for (const AttributeData& attribute : attributes) write_attribute(w, attribute);
  w.EndArray();
}

// The span's attributes, then testscope's own (thread, code location, ...), each unless
// the span already has an attribute with that key (OTLP keys are unique).
void write_span_attributes(JsonWriter& w, const SpanData& span, const TestRecord& record) {
  auto put = [&](std::string_view key, const auto& value) {
    const bool taken = std::any_of(span.attributes.begin(), span.attributes.end(),
                                   [key](const AttributeData& a) { return a.key == key; });
    if (!taken) write_attribute(w, key, value);
  };
  w.Key("attributes");
  w.StartArray();
  for (const AttributeData& attribute : span.attributes) write_attribute(w, attribute);
  auto thread = std::find_if(record.threads.begin(), record.threads.end(),
                             [&](const ThreadData& t) { return t.index == span.thread_index; });
  if (thread != record.threads.end()) {
    put("thread.id", static_cast<std::int64_t>(thread->os_tid));
    if (!thread->name.empty()) put("thread.name", thread->name);
  }
  if (!span.file.empty()) put("code.filepath", span.file);
  if (span.line != 0) put("code.lineno", static_cast<std::int64_t>(span.line));
  if (!span.function.empty()) put("code.function", span.function);
  if (!span.ended) put("testscope.span.unfinished", true);
  if (span.span_id == record.root_span_id && record.dropped_records != 0) {
    put("testscope.dropped_records", static_cast<std::int64_t>(record.dropped_records));
  }
  w.EndArray();
}

void write_span(JsonWriter& w, const SpanData& span, const TestRecord& record) {
  w.StartObject();
  w.Key("traceId");
  detail::write_trace_id(w, span.trace_id);
  w.Key("spanId");
  detail::write_span_id(w, span.span_id);
  if (span.parent_span_id != 0) {
    w.Key("parentSpanId");
    detail::write_span_id(w, span.parent_span_id);
  }
  w.Key("name");
  write_string(w, span.name);
  w.Key("kind");
  w.Int(kSpanKindInternal);
  w.Key("startTimeUnixNano");
  detail::write_int64_string(w, span.start_unix_ns);
  w.Key("endTimeUnixNano");
  detail::write_int64_string(w, span.end_unix_ns);
  write_span_attributes(w, span, record);
  w.Key("events");
  w.StartArray();
  for (const EventData& event : span.events) {
    w.StartObject();
    w.Key("timeUnixNano");
    detail::write_int64_string(w, event.time_unix_ns);
    w.Key("name");
    write_string(w, event.name);
    write_attributes(w, event.attributes);
    w.EndObject();
  }
  w.EndArray();
  w.Key("status");
  w.StartObject();
  if (span.status != StatusCode::kUnset) {
    w.Key("code");
    w.Int(static_cast<int>(span.status));
  }
  if (!span.status_message.empty()) {
    w.Key("message");
    write_string(w, span.status_message);
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

namespace detail {

void write_otlp_json(const TestRecord& record, const RunInfo& run, const DocumentSink& sink) {
  rapidjson::StringBuffer& buffer = reused_buffer();
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("resourceSpans");
  w.StartArray();
  w.StartObject();
  w.Key("resource");
  w.StartObject();
  write_attributes(w, run.resource);
  w.EndObject();
  w.Key("scopeSpans");
  w.StartArray();
  w.StartObject();
  w.Key("scope");
  w.StartObject();
  w.Key("name");
  w.String("testscope");
  w.Key("version");
  write_string(w, version());
  w.EndObject();
  w.Key("spans");
  w.StartArray();
  for (const SpanData& span : record.spans) {
    write_span(w, span, record);
    hand_on_if_full(buffer, sink);
  }
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  hand_on(buffer, sink);
}

}  // namespace detail

std::string otlp_json(const TestRecord& record, const RunInfo& run) {
  std::string out;
  detail::write_otlp_json(record, run, detail::append_to(out));
  return out;
}

}  // namespace testscope
