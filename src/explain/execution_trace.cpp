#include "explain/execution_trace.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "analysis/prom_text.hpp"
#include "testscope/artifact_files.hpp"

namespace testscope::explain {

StringId StringPool::intern(std::string_view text) {
  if (const auto it = ids_.find(text); it != ids_.end()) return it->second;
  const auto id = static_cast<StringId>(texts_.size());
  const std::string& stored = texts_.emplace_back(text);
  ids_.emplace(stored, id);
  return id;
}

namespace {

using rapidjson::Value;

constexpr std::string_view kWaitEvent = "testscope.provoke.wait";
constexpr std::string_view kWaitNs = "testscope.provoke.wait_ns";

bool read_file(const std::filesystem::path& path, std::string& text) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::ostringstream buffer;
  buffer << file.rdbuf();
  text = std::move(buffer).str();
  return static_cast<bool>(file) || file.eof();
}

std::string_view string_of(const Value& value) {
  return value.IsString() ? std::string_view(value.GetString(), value.GetStringLength()) : std::string_view();
}

std::string_view member_string(const Value& object, const char* key) {
  const auto it = object.FindMember(key);
  return it == object.MemberEnd() ? std::string_view() : string_of(it->value);
}

std::int64_t parse_int(std::string_view text) {
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::uint64_t parse_hex(std::string_view text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value, 16);
  return value;
}

// A number as JSON writes it: integers without a fraction, others with up to 15 digits.
std::string number_text(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<std::int64_t>(value));
  }
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return {buffer.data(), result.ptr};
}

// An OTLP AnyValue as text.
std::string any_value_text(const Value& any) {
  if (!any.IsObject()) return {};
  for (const auto& member : any.GetObject()) {
    const std::string_view kind = string_of(member.name);
    const Value& v = member.value;
    if (kind == "stringValue" || kind == "intValue") {
      if (v.IsString()) return std::string(string_of(v));
      if (v.IsInt64()) return std::to_string(v.GetInt64());
    }
    if (kind == "boolValue" && v.IsBool()) return v.GetBool() ? "true" : "false";
    if (kind == "doubleValue") {
      if (v.IsNumber()) return number_text(v.GetDouble());
      if (v.IsString()) return std::string(string_of(v));
    }
  }
  return "(complex value)";
}

// A JSON value of logs.jsonl's fields as text.
std::string json_value_text(const Value& v) {
  if (v.IsString()) return std::string(string_of(v));
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsNumber()) return number_text(v.GetDouble());
  if (v.IsNull()) return "null";
  return "(complex value)";
}

class TraceBuilder {
 public:
  TraceBuilder(ExecutionTrace& trace, StringPool& pool) : trace_(trace), pool_(pool) {}

  void add_span(const Value& span, std::vector<std::uint64_t>& parents, std::int64_t& start_ns) {
    SpanRecord record;
    record.name = pool_.intern(member_string(span, "name"));
    record.span_id = parse_hex(member_string(span, "spanId"));
    parents.push_back(parse_hex(member_string(span, "parentSpanId")));
    record.begin = parse_int(member_string(span, "startTimeUnixNano"));
    record.end = parse_int(member_string(span, "endTimeUnixNano"));
    if (trace_.spans.empty()) start_ns = record.begin;
    record.begin -= start_ns;
    record.end -= start_ns;
    if (const auto status = span.FindMember("status");
        status != span.MemberEnd() && status->value.IsObject()) {
      const auto code = status->value.FindMember("code");
      record.error = code != status->value.MemberEnd() && code->value.IsInt() && code->value.GetInt() == 2;
    }
    std::int64_t os_tid = -1;
    std::string_view thread_name;
    read_attributes(span, record, os_tid, thread_name);
    record.thread = thread_of(os_tid, thread_name);
    const auto index = static_cast<std::int32_t>(trace_.spans.size());
    trace_.spans.push_back(record);
    if (const auto events = span.FindMember("events");
        events != span.MemberEnd() && events->value.IsArray()) {
      for (const Value& event : events->value.GetArray()) {
        if (event.IsObject()) add_span_event(event, index, start_ns);
      }
    }
  }

  void add_log(const Value& line, const std::unordered_map<std::uint64_t, std::int32_t>& span_index,
               std::int64_t start_ns) {
    EventRecord record;
    record.is_log = true;
    record.name = pool_.intern(member_string(line, "event"));
    const auto span = span_index.find(parse_hex(member_string(line, "span_id")));
    record.span = span == span_index.end() ? 0 : span->second;
    if (const auto time = line.FindMember("time_unix_ns");
        time != line.MemberEnd() && time->value.IsInt64()) {
      record.time = time->value.GetInt64() - start_ns;
    }
    record.attribute_begin = static_cast<std::uint32_t>(trace_.attributes.size());
    if (const auto fields = line.FindMember("fields");
        fields != line.MemberEnd() && fields->value.IsObject()) {
      for (const auto& field : fields->value.GetObject()) {
        trace_.attributes.push_back(
            {pool_.intern(string_of(field.name)), pool_.intern(json_value_text(field.value))});
      }
    }
    record.attribute_count = static_cast<std::uint32_t>(trace_.attributes.size()) - record.attribute_begin;
    trace_.events.push_back(record);
  }

 private:
  // The span's attributes into `record`, but the thread's id and name, which it returns.
  void read_attributes(const Value& span, SpanRecord& record, std::int64_t& os_tid,
                       std::string_view& thread_name) {
    record.attribute_begin = static_cast<std::uint32_t>(trace_.attributes.size());
    const auto attributes = span.FindMember("attributes");
    if (attributes != span.MemberEnd() && attributes->value.IsArray()) {
      for (const Value& attribute : attributes->value.GetArray()) {
        if (!attribute.IsObject()) continue;
        const std::string_view key = member_string(attribute, "key");
        const auto value = attribute.FindMember("value");
        if (value == attribute.MemberEnd()) continue;
        if (key == "thread.id") {
          os_tid = parse_int(any_value_text(value->value));
        } else if (key == "thread.name") {
          thread_name = member_string(value->value, "stringValue");
        } else if (key == "testscope.span.unfinished") {
          record.end = kNeverEnded;
        } else {
          trace_.attributes.push_back({pool_.intern(key), pool_.intern(any_value_text(value->value))});
        }
      }
    }
    record.attribute_count = static_cast<std::uint32_t>(trace_.attributes.size()) - record.attribute_begin;
  }

  std::uint32_t thread_of(std::int64_t os_tid, std::string_view name) {
    for (std::uint32_t i = 0; i < trace_.threads.size(); ++i) {
      if (trace_.threads[i].os_tid == os_tid) return i;
    }
    trace_.threads.push_back({name.empty() ? kNoString : pool_.intern(name), os_tid});
    return static_cast<std::uint32_t>(trace_.threads.size() - 1);
  }

  void add_span_event(const Value& event, std::int32_t span, std::int64_t start_ns) {
    const std::string_view name = member_string(event, "name");
    const std::int64_t time = parse_int(member_string(event, "timeUnixNano")) - start_ns;
    const auto attributes = event.FindMember("attributes");
    const bool has_attributes = attributes != event.MemberEnd() && attributes->value.IsArray();
    if (name == kWaitEvent) {
      WaitRecord wait{trace_.spans[static_cast<std::size_t>(span)].thread, time, 0};
      if (has_attributes) {
        for (const Value& attribute : attributes->value.GetArray()) {
          if (!attribute.IsObject() || member_string(attribute, "key") != kWaitNs) continue;
          if (const auto value = attribute.FindMember("value"); value != attribute.MemberEnd()) {
            wait.wait_ns = parse_int(any_value_text(value->value));
          }
        }
      }
      trace_.waits.push_back(wait);
      return;
    }
    EventRecord record;
    record.name = pool_.intern(name);
    record.span = span;
    record.time = time;
    record.attribute_begin = static_cast<std::uint32_t>(trace_.attributes.size());
    if (has_attributes) {
      for (const Value& attribute : attributes->value.GetArray()) {
        if (!attribute.IsObject()) continue;
        const auto value = attribute.FindMember("value");
        if (value == attribute.MemberEnd()) continue;
        trace_.attributes.push_back(
            {pool_.intern(member_string(attribute, "key")), pool_.intern(any_value_text(value->value))});
      }
    }
    record.attribute_count = static_cast<std::uint32_t>(trace_.attributes.size()) - record.attribute_begin;
    trace_.events.push_back(record);
  }

  ExecutionTrace& trace_;
  StringPool& pool_;
};

// The spans array of the (first) resourceSpans/scopeSpans, or nullptr.
const Value* spans_of(const rapidjson::Document& doc) {
  if (!doc.IsObject()) return nullptr;
  const auto resources = doc.FindMember("resourceSpans");
  if (resources == doc.MemberEnd() || !resources->value.IsArray()) return nullptr;
  for (const Value& resource : resources->value.GetArray()) {
    if (!resource.IsObject()) continue;
    const auto scopes = resource.FindMember("scopeSpans");
    if (scopes == resource.MemberEnd() || !scopes->value.IsArray()) continue;
    for (const Value& scope : scopes->value.GetArray()) {
      if (!scope.IsObject()) continue;
      const auto spans = scope.FindMember("spans");
      if (spans != scope.MemberEnd() && spans->value.IsArray()) return &spans->value;
    }
  }
  return nullptr;
}

void read_logs(std::string_view text, TraceBuilder& builder,
               const std::unordered_map<std::uint64_t, std::int32_t>& index, std::int64_t start_ns,
               std::vector<std::string>& notes) {
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    ++line_number;
    if (line.empty()) continue;
    rapidjson::Document doc;
    doc.Parse(line.data(), line.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      notes.push_back(std::string(artifact_files::kLogsFile) + " line " + std::to_string(line_number) +
                      ": not a JSON object; skipped");
      continue;
    }
    builder.add_log(doc, index, start_ns);
  }
}

void read_metrics(std::string_view text, ExecutionTrace& trace, StringPool& pool) {
  const analysis::PromParse parsed = analysis::parse_prom_text(text);
  if (!parsed.ok()) {
    trace.notes.push_back(std::string(artifact_files::kMetricsFile) + ": " + parsed.error);
    return;
  }
  std::string series;
  for (const analysis::PromSample& sample : parsed.samples) {
    series = sample.name;
    if (!sample.labels.empty()) {
      series += '{';
      for (std::size_t i = 0; i < sample.labels.size(); ++i) {
        if (i != 0) series += ',';
        series += sample.labels[i].first + "=\"" + sample.labels[i].second + '"';
      }
      series += '}';
    }
    trace.metrics.push_back({pool.intern(series), pool.intern(number_text(sample.value))});
  }
}

}  // namespace

ExecutionTrace parse_execution_trace(std::string otlp_json, std::string_view logs_jsonl,
                                     std::string_view metrics_prom, const std::string& origin,
                                     StringPool& pool) {
  ExecutionTrace trace;
  rapidjson::Document doc;
  // In place: the strings stay in otlp_json, which lives until the end of this function.
  doc.ParseInsitu<rapidjson::kParseIterativeFlag>(otlp_json.data());
  if (doc.HasParseError()) {
    trace.error = origin + ": byte " + std::to_string(doc.GetErrorOffset() + 1) + ": " +
                  rapidjson::GetParseError_En(doc.GetParseError());
    return trace;
  }
  const Value* spans = spans_of(doc);
  if (spans == nullptr || spans->Empty()) {
    trace.error = origin + ": no spans (expected resourceSpans[].scopeSpans[].spans[])";
    return trace;
  }
  TraceBuilder builder(trace, pool);
  std::vector<std::uint64_t> parents;
  std::int64_t start_ns = 0;
  trace.spans.reserve(spans->Size());
  for (const Value& span : spans->GetArray()) {
    if (span.IsObject()) builder.add_span(span, parents, start_ns);
  }
  std::unordered_map<std::uint64_t, std::int32_t> index;
  index.reserve(trace.spans.size());
  for (std::size_t i = 0; i < trace.spans.size(); ++i) {
    index.emplace(trace.spans[i].span_id, static_cast<std::int32_t>(i));
  }
  for (std::size_t i = 1; i < trace.spans.size(); ++i) {
    const auto parent = index.find(parents[i]);
    trace.spans[i].parent = parent == index.end() ? 0 : parent->second;
  }
  trace.spans[0].parent = -1;
  read_logs(logs_jsonl, builder, index, start_ns, trace.notes);
  read_metrics(metrics_prom, trace, pool);
  return trace;
}

ExecutionTrace read_execution_trace(const std::filesystem::path& dir, StringPool& pool) {
  const std::filesystem::path otlp = dir / artifact_files::kOtlpTraceFile;
  std::string otlp_text;
  if (!read_file(otlp, otlp_text)) {
    ExecutionTrace trace;
    trace.error = otlp.generic_string() + ": cannot read";
    return trace;
  }
  std::string logs;
  std::string metrics;
  read_file(dir / artifact_files::kLogsFile, logs);        // absent: no log events
  read_file(dir / artifact_files::kMetricsFile, metrics);  // absent: no metric changes
  return parse_execution_trace(std::move(otlp_text), logs, metrics, otlp.generic_string(), pool);
}

}  // namespace testscope::explain
