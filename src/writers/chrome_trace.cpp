// Chrome trace event JSON (the format ui.perfetto.dev and chrome://tracing open): one
// track per thread, a complete ("X") event per span, instant ("i") events for span
// events, and flow arrows ("s"/"f") from a parent span to a child on another thread.
// Timestamps are microseconds from the test's start.
#include <algorithm>
#include <unordered_map>
#include <variant>

#include "testscope/artifacts.hpp"
#include "writers/document_sink.hpp"
#include "writers/json_util.hpp"

namespace testscope {
namespace {

using detail::JsonWriter;
using detail::write_string;

struct Clock {
  std::int64_t origin_ns;
  double us(std::int64_t unix_ns) const { return static_cast<double>(unix_ns - origin_ns) / 1000.0; }
};

void write_args(JsonWriter& w, const std::vector<AttributeData>& attributes) {
  for (const AttributeData& attribute : attributes) {
    detail::write_key(w, attribute.key);
    detail::write_plain_value(w, attribute.value);
  }
}

void write_common(JsonWriter& w, const char* phase, std::string_view name, double ts, std::int64_t pid,
                  std::uint64_t tid) {
  w.Key("ph");
  w.String(phase);
  w.Key("name");
  write_string(w, name);
  w.Key("ts");
  w.Double(ts);
  w.Key("pid");
  w.Int64(pid);
  w.Key("tid");
  w.Uint64(tid);
}

void write_metadata(JsonWriter& w, const char* name, std::int64_t pid, const std::uint64_t* tid,
                    std::string_view value_key, std::string_view text, std::int64_t number) {
  w.StartObject();
  w.Key("ph");
  w.String("M");
  w.Key("name");
  w.String(name);
  w.Key("pid");
  w.Int64(pid);
  if (tid != nullptr) {
    w.Key("tid");
    w.Uint64(*tid);
  }
  w.Key("args");
  w.StartObject();
  detail::write_key(w, value_key);
  if (value_key == "name") {
    write_string(w, text);
  } else {
    w.Int64(number);
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

// Metadata, then per span its slice, its events and its flow arrow, then the logs: one
// pass in the order the format reads best.
// NOLINTNEXTLINE(readability-function-cognitive-complexity)
void detail::write_chrome_trace_json(const TestRecord& record, const RunInfo& run, const DocumentSink& sink) {
  const Clock clock{record.start_unix_ns};
  const std::int64_t pid = run.pid;
  std::unordered_map<std::uint32_t, std::uint64_t> tid_of;  // thread index -> OS tid
  for (const ThreadData& thread : record.threads) tid_of[thread.index] = thread.os_tid;
  auto tid = [&](std::uint32_t index) {
    auto it = tid_of.find(index);
    return it != tid_of.end() ? it->second : std::uint64_t{index};
  };
  std::unordered_map<std::uint64_t, const SpanData*> by_id;
  by_id.reserve(record.spans.size());
  for (const SpanData& span : record.spans) by_id[span.span_id] = &span;

  rapidjson::StringBuffer& buffer = detail::reused_buffer();
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("displayTimeUnit");
  w.String("ns");
  w.Key("otherData");
  w.StartObject();
  w.Key("test");
  write_string(w, record.test.full_name());
  w.Key("trace_id");
  detail::write_trace_id(w, record.trace_id);
  w.Key("outcome");
  write_string(w, to_string(record.outcome));
  w.EndObject();
  w.Key("traceEvents");
  w.StartArray();
  write_metadata(w, "process_name", pid, nullptr, "name", record.test.full_name(), 0);
  for (const ThreadData& thread : record.threads) {
    const std::string label =
        (thread.name.empty() ? "thread" : thread.name) + " (" + std::to_string(thread.os_tid) + ")";
    write_metadata(w, "thread_name", pid, &thread.os_tid, "name", label, 0);
    write_metadata(w, "thread_sort_index", pid, &thread.os_tid, "sort_index", {}, thread.index);
  }
  std::uint64_t flow_id = 0;
  for (const SpanData& span : record.spans) {
    const std::uint64_t span_tid = tid(span.thread_index);
    w.StartObject();
    write_common(w, "X", span.name, clock.us(span.start_unix_ns), pid, span_tid);
    w.Key("cat");
    w.String(span.span_id == record.root_span_id ? "test" : "span");
    w.Key("dur");
    w.Double(static_cast<double>(span.end_unix_ns - span.start_unix_ns) / 1000.0);
    w.Key("args");
    w.StartObject();
    write_args(w, span.attributes);
    // testscope's own args, unless an attribute already took the key (keys are unique).
    auto free_key = [&span](std::string_view key) {
      return std::none_of(span.attributes.begin(), span.attributes.end(),
                          [key](const AttributeData& a) { return a.key == key; });
    };
    if (free_key("span_id")) {
      w.Key("span_id");
      detail::write_span_id(w, span.span_id);
    }
    if (span.parent_span_id != 0 && free_key("parent_span_id")) {
      w.Key("parent_span_id");
      detail::write_span_id(w, span.parent_span_id);
    }
    if (span.status == StatusCode::kError && free_key("status")) {
      w.Key("status");
      write_string(w, "ERROR: " + span.status_message);
    }
    if (!span.ended && free_key("unfinished")) {
      w.Key("unfinished");
      w.Bool(true);
    }
    w.EndObject();
    w.EndObject();

    for (const EventData& event : span.events) {
      w.StartObject();
      write_common(w, "i", event.name, clock.us(event.time_unix_ns), pid, span_tid);
      w.Key("s");
      w.String("t");
      w.Key("args");
      w.StartObject();
      write_args(w, event.attributes);
      w.EndObject();
      w.EndObject();
    }

    auto parent = by_id.find(span.parent_span_id);
    if (parent != by_id.end() && parent->second->thread_index != span.thread_index) {
      // The arrow starts inside the parent's slice, where the child was started.
      const SpanData& from = *parent->second;
      const std::int64_t at = std::min(std::max(span.start_unix_ns, from.start_unix_ns), from.end_unix_ns);
      ++flow_id;
      w.StartObject();
      write_common(w, "s", "context", clock.us(at), pid, tid(from.thread_index));
      w.Key("cat");
      w.String("flow");
      w.Key("id");
      w.Uint64(flow_id);
      w.EndObject();
      w.StartObject();
      write_common(w, "f", "context", clock.us(span.start_unix_ns), pid, span_tid);
      w.Key("cat");
      w.String("flow");
      w.Key("id");
      w.Uint64(flow_id);
      w.Key("bp");
      w.String("e");
      w.EndObject();
    }
    detail::hand_on_if_full(buffer, sink);
  }
  for (const LogData& log : record.logs) {
    w.StartObject();
    write_common(w, "i", log.event, clock.us(log.time_unix_ns), pid, tid(log.thread_index));
    w.Key("cat");
    w.String("log");
    w.Key("s");
    w.String("t");
    w.Key("args");
    w.StartObject();
    write_args(w, log.fields);
    if (std::none_of(log.fields.begin(), log.fields.end(),
                     [](const AttributeData& a) { return a.key == "severity"; })) {
      w.Key("severity");
      write_string(w, to_string(log.severity));
    }
    w.EndObject();
    w.EndObject();
    detail::hand_on_if_full(buffer, sink);
  }
  w.EndArray();
  w.EndObject();
  detail::hand_on(buffer, sink);
}

std::string chrome_trace_json(const TestRecord& record, const RunInfo& run) {
  std::string out;
  detail::write_chrome_trace_json(record, run, detail::append_to(out));
  return out;
}

}  // namespace testscope
