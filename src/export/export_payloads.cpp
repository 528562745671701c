#include "export/export_payloads.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "analysis/artifact_tree.hpp"
#include "analysis/json_errors.hpp"
#include "export/trace_reader.hpp"
#include "testscope/artifact_files.hpp"

namespace testscope::exporting {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::size_t kTraceIdHex = 32;
constexpr std::size_t kSpanIdHex = 16;

template <typename Json>
std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// OTLP/JSON ids are hex strings (either case, says the specification) of a fixed length.
template <typename Json>
bool is_hex_id(const Json& value, std::size_t digits) {
  if (!value.is_string()) return false;
  const auto& text = value.template get_ref<const std::string&>();
  return text.size() == digits && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

// A plain JSON value as an OTLP AnyValue.
ordered_json any_value(const ordered_json& value) {
  if (value.is_string()) return {{"stringValue", value}};
  if (value.is_boolean()) return {{"boolValue", value}};
  if (value.is_number_unsigned() &&
      value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return {{"doubleValue", value.get<double>()}};
  }
  if (value.is_number_integer()) return {{"intValue", std::to_string(value.get<std::int64_t>())}};
  if (value.is_number_float()) return {{"doubleValue", value}};
  if (value.is_array()) {
    ordered_json values = ordered_json::array();
    for (const auto& item : value) values.push_back(any_value(item));
    return {{"arrayValue", {{"values", values}}}};
  }
  if (value.is_object()) {
    ordered_json values = ordered_json::array();
    for (const auto& [key, item] : value.items()) {
      values.push_back({{"key", key}, {"value", any_value(item)}});
    }
    return {{"kvlistValue", {{"values", values}}}};
  }
  return ordered_json::object();  // null: an empty AnyValue
}

std::string scope_json() { return dump(json{{"name", "testscope"}, {"version", TESTSCOPE_VERSION}}); }

// A log line's fields, then thread.name, as OTLP attributes.
ordered_json log_attributes(const ordered_json& event) {
  ordered_json attributes = ordered_json::array();
  if (const auto fields = event.find("fields"); fields != event.end() && !fields->is_null()) {
    if (!fields->is_object()) throw std::runtime_error("fields is not an object");
    for (const auto& [key, value] : fields->items()) {
      attributes.push_back({{"key", key}, {"value", any_value(value)}});
    }
  }
  if (const auto thread = event.find("thread");
      thread != event.end() && thread->is_string() && !thread->empty()) {
    attributes.push_back({{"key", "thread.name"}, {"value", {{"stringValue", *thread}}}});
  }
  return attributes;
}

// trace_id and span_id (hex, or null for none) as traceId and spanId.
void copy_ids(const ordered_json& event, ordered_json& record) {
  for (const auto& [from, to, digits] :
       {std::tuple{"trace_id", "traceId", kTraceIdHex}, std::tuple{"span_id", "spanId", kSpanIdHex}}) {
    const auto id = event.find(from);
    if (id == event.end() || id->is_null()) continue;
    if (!is_hex_id(*id, digits)) {
      throw std::runtime_error(std::string(from) + " is not " + std::to_string(digits) + " hex digits");
    }
    record[to] = *id;
  }
}

constexpr int kStatusError = 2;
constexpr int kSpanKindInternal = 1;

ordered_json string_attribute(std::string_view key, std::string_view value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}
ordered_json int_attribute(std::string_view key, std::int64_t value) {
  return {{"key", key}, {"value", {{"intValue", std::to_string(value)}}}};
}

// An OTLP Span of the runner; `end_unix_ns` at least the start.
ordered_json runner_span(const std::string& trace_id, const std::string& span_id, const std::string& parent,
                         const std::string& name, std::int64_t start_unix_ns, std::int64_t end_unix_ns) {
  ordered_json span = {{"traceId", trace_id}, {"spanId", span_id}};
  if (!parent.empty()) span["parentSpanId"] = parent;
  span["name"] = name;
  span["kind"] = kSpanKindInternal;
  span["startTimeUnixNano"] = std::to_string(start_unix_ns);
  span["endTimeUnixNano"] = std::to_string(std::max(start_unix_ns, end_unix_ns));
  span["attributes"] = ordered_json::array();
  span["status"] = ordered_json::object();
  return span;
}

}  // namespace

ResourceItems run_spans_payload(const analysis::RunManifest& manifest,
                                const std::vector<otlp::KeyValue>& resource_attributes,
                                const std::string& default_service_name) {
  ResourceItems out;
  if (!is_hex_id(json(manifest.trace_id), kTraceIdHex) || !is_hex_id(json(manifest.span_id), kSpanIdHex)) {
    return out;
  }
  json resource = json::object();
  merge_resource(resource, resource_attributes, default_service_name);
  out.resource_json = dump(resource);
  out.scope_json = scope_json();

  std::string program;
  for (const std::string& arg : manifest.program) program += (program.empty() ? "" : " ") + arg;
  const std::string program_name = manifest.program.empty()
                                       ? default_service_name
                                       : fs::path(manifest.program.front()).filename().string();
  ordered_json run = runner_span(
      manifest.trace_id, manifest.span_id,
      is_hex_id(json(manifest.parent_span_id), kSpanIdHex) ? manifest.parent_span_id : "",
      "testscope " + manifest.command + " " + program_name, manifest.start_unix_ns, manifest.end_unix_ns);
  std::size_t failed = 0;
  std::vector<std::string> executions;
  for (const analysis::ExecutionRecord& e : manifest.executions) {
    if (e.trace_id != manifest.trace_id || !is_hex_id(json(e.span_id), kSpanIdHex)) continue;
    ordered_json span = runner_span(e.trace_id, e.span_id, manifest.span_id, "execution " + e.name,
                                    e.start_unix_ns, e.start_unix_ns + e.duration_ns);
    ordered_json& attributes = span["attributes"];
    attributes.push_back(string_attribute("testscope.execution.name", e.name));
    attributes.push_back(string_attribute("testscope.execution.outcome", e.outcome));
    if (e.exit_code >= 0) attributes.push_back(int_attribute("process.exit.code", e.exit_code));
    if (e.signal != 0) attributes.push_back(int_attribute("testscope.execution.signal", e.signal));
    if (e.seed) attributes.push_back(int_attribute("testscope.execution.seed", *e.seed));
    if (e.outcome != "pass") {
      ++failed;
      span["status"] = {{"code", kStatusError}, {"message", e.outcome}};
    }
    executions.push_back(dump(span));
  }
  ordered_json& attributes = run["attributes"];
  attributes.push_back(string_attribute("testscope.run.program", program));
  attributes.push_back(
      int_attribute("testscope.run.executions", static_cast<std::int64_t>(manifest.executions.size())));
  attributes.push_back(int_attribute("testscope.run.executions_failed", static_cast<std::int64_t>(failed)));
  if (manifest.interrupted) {
    attributes.push_back({{"key", "testscope.run.interrupted"}, {"value", {{"boolValue", true}}}});
  }
  if (failed > 0) {
    run["status"] = {
        {"code", kStatusError},
        {"message", std::to_string(failed) + " of " + std::to_string(manifest.executions.size()) +
                        " executions did not pass"}};
  }
  out.items.push_back(dump(run));
  for (std::string& span : executions) out.items.push_back(std::move(span));
  return out;
}

std::string log_record_json(std::string_view line) {
  ordered_json event;
  try {
    event = ordered_json::parse(line);
  } catch (const ordered_json::exception& e) {
    throw std::runtime_error(analysis::describe_json_error(e));
  }
  if (!event.is_object()) throw std::runtime_error("not a JSON object");
  ordered_json record = ordered_json::object();
  const auto time = event.find("time_unix_ns");
  if (time == event.end() || !time->is_number_integer()) throw std::runtime_error("no integer time_unix_ns");
  record["timeUnixNano"] = std::to_string(time->get<std::int64_t>());
  if (const auto n = event.find("severity_number"); n != event.end() && !n->is_null()) {
    if (!n->is_number_integer() || n->get<std::int64_t>() < 0 || n->get<std::int64_t>() > 24) {
      throw std::runtime_error("severity_number is not an integer from 0 to 24");
    }
    record["severityNumber"] = n->get<int>();
  }
  if (const auto text = event.find("severity_text"); text != event.end() && text->is_string()) {
    record["severityText"] = *text;
  }
  const auto name = event.find("event");
  if (name == event.end() || !name->is_string()) throw std::runtime_error("no string event");
  record["body"] = {{"stringValue", *name}};
  record["attributes"] = log_attributes(event);
  copy_ids(event, record);
  record["eventName"] = *name;
  return dump(record);
}

namespace {

// The trace file's problem, or nothing: read once to check it, then again for its spans.
void stream_spans(const fs::path& trace_path, const std::vector<otlp::KeyValue>& resource_attributes,
                  const std::string& default_service_name, PayloadSink& sink,
                  std::optional<std::string>& first_resource) {
  const TraceOutline outline = read_trace(trace_path, resource_attributes, default_service_name);
  if (!outline.resources.empty()) first_resource = outline.resources.front();
  if (!sink.spans_checked(outline.span_count) || outline.span_count == 0) return;
  std::size_t open_resource = outline.resources.size();  // none yet
  std::size_t open_scope = 0;
  read_trace(trace_path, resource_attributes, default_service_name,
             [&](std::size_t resource, std::size_t scope, std::string span) {
               if (resource != open_resource || scope != open_scope) {
                 sink.begin(otlp::Signal::kTraces, outline.resources.at(resource),
                            outline.scopes.at(resource).at(scope));
                 open_resource = resource;
                 open_scope = scope;
               }
               sink.item(otlp::Signal::kTraces, std::move(span));
             });
}

// Calls `take(line)` for every line of `file` (without its '\n'; NUL bytes kept), holding
// one line at a time. False on a read error.
template <typename Take>
bool for_each_line(std::FILE* file, Take take) {
  std::array<char, 65536> chunk{};
  std::string line;
  std::size_t got = 0;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), file)) > 0) {
    std::string_view rest(chunk.data(), got);
    for (std::size_t end = rest.find('\n'); end != std::string_view::npos; end = rest.find('\n')) {
      line.append(rest.substr(0, end));
      take(line);
      line.clear();
      rest.remove_prefix(end + 1);
    }
    line.append(rest);
  }
  if (!line.empty()) take(line);
  return std::ferror(file) == 0;
}

// The log records of logs.jsonl, a line at a time.
void stream_logs(const fs::path& logs_path, const std::string& resource, PayloadSink& sink) {
  std::string error;
  const analysis::ArtifactStream file = analysis::open_artifact_file(logs_path, &error);
  if (!file) {
    sink.problem({logs_path, error});
    return;
  }
  bool begun = false;
  std::size_t number = 0;
  const bool read = for_each_line(file.get(), [&](const std::string& line) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;
    try {
      std::string record = log_record_json(line);
      if (!begun) sink.begin(otlp::Signal::kLogs, resource, scope_json());
      begun = true;
      sink.item(otlp::Signal::kLogs, std::move(record));
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      sink.problem({logs_path, "line " + std::to_string(number) + ": " + e.what()});
    }
  });
  if (!read) sink.problem({logs_path, "cannot be read (a read error)"});
}

// Collects what stream_test_payload() reads into a TestPayload.
class CollectingSink : public PayloadSink {
 public:
  explicit CollectingSink(TestPayload& payload) : payload_(payload) {}
  bool spans_checked(std::size_t spans) override {
    payload_.span_count = spans;
    return true;
  }
  void begin(otlp::Signal signal, const std::string& resource_json, const std::string& scope_json) override {
    (signal == otlp::Signal::kTraces ? payload_.spans : payload_.logs)
        .push_back({resource_json, scope_json, {}});
  }
  void item(otlp::Signal signal, std::string item) override {
    (signal == otlp::Signal::kTraces ? payload_.spans : payload_.logs)
        .back()
        .items.push_back(std::move(item));
    if (signal == otlp::Signal::kLogs) ++payload_.log_count;
  }
  void problem(analysis::Problem problem) override { payload_.problems.push_back(std::move(problem)); }

 private:
  TestPayload& payload_;
};

}  // namespace

void stream_test_payload(const fs::path& test_dir, const std::vector<otlp::KeyValue>& resource_attributes,
                         const std::string& default_service_name, PayloadSink& sink) {
  std::optional<std::string> resource;
  const fs::path trace_path = test_dir / artifact_files::kOtlpTraceFile;
  const fs::path logs_path = test_dir / artifact_files::kLogsFile;
  const fs::path* reading = &trace_path;
  try {
    std::error_code ec;
    if (fs::exists(trace_path, ec)) {
      try {
        stream_spans(trace_path, resource_attributes, default_service_name, sink, resource);
      } catch (const std::bad_alloc&) {
        throw;
      } catch (const std::exception& e) {
        resource.reset();
        sink.problem({trace_path, e.what()});
      }
    }
    if (!fs::exists(logs_path, ec)) return;
    reading = &logs_path;
    if (!resource) {
      json fresh = json::object();
      merge_resource(fresh, resource_attributes, default_service_name);
      resource = dump(fresh);
    }
    stream_logs(logs_path, *resource, sink);
  } catch (const OutOfMemoryReading&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw OutOfMemoryReading(*reading);
  }
}

TestPayload read_test_payload(const fs::path& test_dir,
                              const std::vector<otlp::KeyValue>& resource_attributes,
                              const std::string& default_service_name) {
  TestPayload payload;
  CollectingSink sink(payload);
  stream_test_payload(test_dir, resource_attributes, default_service_name, sink);
  return payload;
}

}  // namespace testscope::exporting
