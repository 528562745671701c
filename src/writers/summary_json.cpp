// summary.json: one test's outcome, failures, identity and counts (docs/artifacts.md).
#include "testscope/artifact_files.hpp"
#include "testscope/artifacts.hpp"
#include "writers/json_util.hpp"

namespace testscope {

std::string summary_json(const TestRecord& record) {
  using detail::write_string;
  std::size_t events = 0;
  std::size_t unfinished = 0;
  for (const SpanData& span : record.spans) {
    events += span.events.size();
    if (!span.ended) ++unfinished;
  }
  rapidjson::StringBuffer buffer;
  detail::JsonWriter w(buffer);
  w.StartObject();
  w.Key("schema");
  w.Int(kArtifactSchema);
  w.Key("testscope_version");
  write_string(w, version());
  w.Key("id");
  write_string(w, test_folder(record.test.full_name(), record.repetition));
  w.Key("repetition");
  w.Int(record.repetition);
  w.Key("test");
  w.StartObject();
  w.Key("full_name");
  write_string(w, record.test.full_name());
  w.Key("suite");
  write_string(w, record.test.suite);
  w.Key("name");
  write_string(w, record.test.name);
  w.Key("type_param");
  write_string(w, record.test.type_param);
  w.Key("value_param");
  write_string(w, record.test.value_param);
  w.Key("file");
  write_string(w, record.test.file);
  w.Key("line");
  w.Int(record.test.line);
  w.EndObject();
  w.Key("outcome");
  write_string(w, to_string(record.outcome));
  w.Key("quarantine");
  if (record.quarantine) {
    const QuarantineNote& q = *record.quarantine;
    w.StartObject();
    w.Key("entry");
    write_string(w, q.entry);
    w.Key("reason");
    write_string(w, q.reason);
    w.Key("owner");
    write_string(w, q.owner);
    w.Key("expires");
    write_string(w, q.expires);
    w.Key("file");
    write_string(w, q.file);
    w.Key("line");
    w.Int(q.line);
    w.EndObject();
  } else {
    w.Null();
  }
  w.Key("start_unix_ns");
  w.Int64(record.start_unix_ns);
  w.Key("end_unix_ns");
  w.Int64(record.end_unix_ns);
  w.Key("duration_ns");
  w.Int64(record.duration_ns());
  w.Key("trace_id");
  write_string(w, record.trace_id.to_hex());
  w.Key("root_span_id");
  write_string(w, span_id_to_hex(record.root_span_id));
  w.Key("failures");
  w.StartArray();
  for (const Failure& failure : record.failures) {
    w.StartObject();
    w.Key("file");
    write_string(w, failure.file);
    w.Key("line");
    w.Int(failure.line);
    w.Key("fatal");
    w.Bool(failure.fatal);
    w.Key("message");
    write_string(w, failure.message);
    w.Key("time_unix_ns");
    w.Int64(failure.time_unix_ns);
    w.EndObject();
  }
  w.EndArray();
  w.Key("counts");
  w.StartObject();
  w.Key("spans");
  w.Uint64(record.spans.size());
  w.Key("events");
  w.Uint64(events);
  w.Key("threads");
  w.Uint64(record.threads.size());
  w.Key("unfinished_spans");
  w.Uint64(unfinished);
  w.Key("logs");
  w.Uint64(record.logs.size());
  w.Key("dropped_records");
  w.Uint64(record.dropped_records);
  w.Key("orphan_records");
  w.Uint64(record.orphan_records);
  w.EndObject();
  w.Key("metrics");
  w.StartArray();
  for (const MetricSample& sample : record.metrics) {
    w.StartObject();
    w.Key("name");
    write_string(w, sample.name);
    w.Key("kind");
    write_string(w, to_string(sample.kind));
    w.Key("labels");
    w.StartObject();
    for (const auto& [name, value] : sample.labels) {
      detail::write_key(w, name);
      write_string(w, value);
    }
    w.EndObject();
    if (sample.kind == MetricKind::kHistogram || sample.kind == MetricKind::kSummary) {
      w.Key("count");
      w.Uint64(sample.count);
      w.Key("sum");
      detail::write_double(w, sample.sum);
    } else {
      detail::write_key(w, sample.kind == MetricKind::kGauge ? "value" : "increase");
      detail::write_double(w, sample.value);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("threads");
  w.StartArray();
  for (const ThreadData& thread : record.threads) {
    w.StartObject();
    w.Key("index");
    w.Uint(thread.index);
    w.Key("os_tid");
    w.Uint64(thread.os_tid);
    w.Key("name");
    write_string(w, thread.name);
    w.EndObject();
  }
  w.EndArray();
  w.Key("artifacts");
  w.StartObject();
  w.Key("otlp");
  w.String(artifact_files::kOtlpTraceFile);
  w.Key("chrome");
  w.String(artifact_files::kChromeTraceFile);
  w.Key("logs");
  w.String(artifact_files::kLogsFile);
  w.Key("metrics");
  w.String(artifact_files::kMetricsFile);
  w.EndObject();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace testscope
