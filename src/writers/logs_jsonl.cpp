// logs.jsonl: one JSON object per log event, one event per line, in time order
// (docs/artifacts.md). Field names follow OpenTelemetry's log data model.
#include <unordered_map>
#include <variant>

#include "testscope/artifacts.hpp"
#include "writers/document_sink.hpp"
#include "writers/json_util.hpp"

namespace testscope {
namespace {

using detail::JsonWriter;

void write_value(JsonWriter& w, const AttributeData& field) { detail::write_plain_value(w, field.value); }

// A JSON object's keys must be unique: a field given twice keeps its last value, as a
// span attribute set twice does.
void write_fields(JsonWriter& w, const std::vector<AttributeData>& fields) {
  w.StartObject();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    bool repeated_later = false;
    for (std::size_t j = i + 1; j < fields.size() && !repeated_later; ++j) {
      repeated_later = fields[j].key == fields[i].key;
    }
    if (repeated_later) continue;
    detail::write_key(w, fields[i].key);
    write_value(w, fields[i]);
  }
  w.EndObject();
}

}  // namespace

void detail::write_logs_jsonl(const TestRecord& record, const DocumentSink& sink) {
  std::unordered_map<std::uint32_t, const ThreadData*> threads;
  for (const ThreadData& thread : record.threads) threads[thread.index] = &thread;
  rapidjson::StringBuffer& buffer = detail::reused_buffer();
  for (const LogData& log : record.logs) {
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("time_unix_ns");
    w.Int64(log.time_unix_ns);
    w.Key("severity_text");
    write_string(w, to_string(log.severity));
    w.Key("severity_number");
    w.Uint(static_cast<unsigned>(log.severity));
    w.Key("event");
    write_string(w, log.event);
    w.Key("fields");
    write_fields(w, log.fields);
    w.Key("trace_id");
    if (log.trace_id.valid()) {
      write_string(w, log.trace_id.to_hex());
    } else {
      w.Null();
    }
    w.Key("span_id");
    if (log.span_id != 0) {
      write_string(w, span_id_to_hex(log.span_id));
    } else {
      w.Null();
    }
    w.Key("thread");
    auto thread = threads.find(log.thread_index);
    write_string(w, thread != threads.end() ? std::string_view(thread->second->name) : std::string_view());
    w.Key("thread_index");
    w.Uint(log.thread_index);
    w.EndObject();
    buffer.Put('\n');
    detail::hand_on_if_full(buffer, sink);
  }
  detail::hand_on(buffer, sink);
}

std::string logs_jsonl(const TestRecord& record) {
  std::string out;
  detail::write_logs_jsonl(record, detail::append_to(out));
  return out;
}

}  // namespace testscope
