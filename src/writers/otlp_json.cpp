// OTLP/JSON TracesData (opentelemetry-proto trace/v1), with OTLP's JSON rules: trace and
// span ids as lowercase hex, 64-bit integers as decimal strings, enums as integers,
// lowerCamelCase field names.
#include <algorithm>
#include <variant>

#include "testscope/artifacts.hpp"
#include "writers/json_util.hpp"

namespace testscope {
namespace {

using detail::JsonWriter;
using detail::write_key;
using detail::write_string;

constexpr int kSpanKindInternal = 1;

void write_any_value(JsonWriter& w, const AttributeData& attribute) {
  w.StartObject();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          w.Key("stringValue");
          write_string(w, v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          w.Key("intValue");
          detail::write_int64_string(w, v);
        } else if constexpr (std::is_same_v<T, double>) {
          w.Key("doubleValue");
          detail::write_double(w, v);
        } else {
          w.Key("boolValue");
          w.Bool(v);
        }
      },
      attribute.value);
  w.EndObject();
}

void write_attribute(JsonWriter& w, const AttributeData& attribute) {
  w.StartObject();
  w.Key("key");
  write_string(w, attribute.key);
  w.Key("value");
  write_any_value(w, attribute);
  w.EndObject();
}

void write_attributes(JsonWriter& w, const std::vector<AttributeData>& attributes) {
  w.Key("attributes");
  w.StartArray();
  for (const AttributeData& attribute : attributes) write_attribute(w, attribute);
  w.EndArray();
}

// Adds an attribute unless the span already has one with that key (OTLP keys are unique).
void add_missing(std::vector<AttributeData>& attributes, AttributeData attribute) {
  for (const AttributeData& existing : attributes) {
    if (existing.key == attribute.key) return;
  }
  attributes.push_back(std::move(attribute));
}

std::vector<AttributeData> span_attributes(const SpanData& span, const TestRecord& record) {
  std::vector<AttributeData> out = span.attributes;
  auto put = [&out](std::string key, std::variant<std::string, std::int64_t, double, bool> value) {
    add_missing(out, AttributeData{std::move(key), std::move(value)});
  };
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
  return out;
}

void write_span(JsonWriter& w, const SpanData& span, const TestRecord& record) {
  w.StartObject();
  w.Key("traceId");
  write_string(w, span.trace_id.to_hex());
  w.Key("spanId");
  write_string(w, span_id_to_hex(span.span_id));
  if (span.parent_span_id != 0) {
    w.Key("parentSpanId");
    write_string(w, span_id_to_hex(span.parent_span_id));
  }
  w.Key("name");
  write_string(w, span.name);
  w.Key("kind");
  w.Int(kSpanKindInternal);
  w.Key("startTimeUnixNano");
  detail::write_int64_string(w, span.start_unix_ns);
  w.Key("endTimeUnixNano");
  detail::write_int64_string(w, span.end_unix_ns);
  write_attributes(w, span_attributes(span, record));
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

std::string otlp_json(const TestRecord& record, const RunInfo& run) {
  rapidjson::StringBuffer buffer;
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
  for (const SpanData& span : record.spans) write_span(w, span, record);
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace testscope
