#include "export/export_payloads.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "analysis/artifact_tree.hpp"
#include "analysis/json_errors.hpp"
#include "testscope/artifact_files.hpp"

namespace testscope::exporting {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::size_t kTraceIdHex = 32;
constexpr std::size_t kSpanIdHex = 16;

// The file's text, or nullopt with `error` set; never opens what is not a regular file
// (a FIFO in the tree would block the export for good).
std::optional<std::string> read_text(const fs::path& path, std::string& error) {
  return analysis::read_artifact_file(path, &error);
}

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

// The array at doc[key]; an absent key is an empty array; anything else is an error.
const json& array_at(const json& doc, const char* key, const std::string& where) {
  static const json kEmpty = json::array();
  if (!doc.contains(key)) return kEmpty;
  const json& value = doc[key];
  if (!value.is_array()) {
    throw std::runtime_error((where.empty() ? "" : where + ".") + key + " is not an array");
  }
  return value;
}

void require_object(const json& value, const std::string& where) {
  if (!value.is_object()) throw std::runtime_error(where + " is not an object");
}

// Sets every attribute of `attributes` on the Resource `resource` as a string, replacing
// one of the same key; adds service.name = `service_name` if it has none.
void merge_resource(json& resource, const std::vector<otlp::KeyValue>& attributes,
                    const std::string& service_name) {
  json& list = resource["attributes"];
  if (!list.is_array()) list = json::array();
  auto set = [&](const std::string& key, const std::string& value, bool replace) {
    for (json& entry : list) {
      if (entry.is_object() && entry.value("key", std::string()) == key) {
        if (replace) entry["value"] = json{{"stringValue", value}};
        return;
      }
    }
    list.push_back(json{{"key", key}, {"value", {{"stringValue", value}}}});
  };
  for (const otlp::KeyValue& kv : attributes) set(kv.key, kv.value, true);
  set("service.name", service_name, false);
}

// The spans of a trace.otlp.json, checked in outline: TracesData's nesting, every span an
// object with hex trace and span ids. Throws std::runtime_error naming the place.
std::vector<ResourceItems> spans_of(const json& doc, const std::vector<otlp::KeyValue>& attributes,
                                    const std::string& service_name,
                                    std::optional<std::string>& first_resource) {
  require_object(doc, "the document");
  std::vector<ResourceItems> out;
  const json& resource_spans = array_at(doc, "resourceSpans", "");
  for (std::size_t r = 0; r < resource_spans.size(); ++r) {
    const std::string rs_where = "resourceSpans[" + std::to_string(r) + "]";
    const json& rs = resource_spans[r];
    require_object(rs, rs_where);
    json resource = rs.contains("resource") ? rs["resource"] : json::object();
    require_object(resource, rs_where + ".resource");
    merge_resource(resource, attributes, service_name);
    const std::string resource_json = dump(resource);
    if (!first_resource) first_resource = resource_json;
    const json& scope_spans = array_at(rs, "scopeSpans", rs_where);
    for (std::size_t s = 0; s < scope_spans.size(); ++s) {
      const std::string ss_where = rs_where + ".scopeSpans[" + std::to_string(s) + "]";
      const json& ss = scope_spans[s];
      require_object(ss, ss_where);
      const json scope = ss.contains("scope") ? ss["scope"] : json::object();
      require_object(scope, ss_where + ".scope");
      ResourceItems entry{resource_json, dump(scope), {}};
      const json& spans = array_at(ss, "spans", ss_where);
      for (std::size_t i = 0; i < spans.size(); ++i) {
        const std::string where = ss_where + ".spans[" + std::to_string(i) + "]";
        const json& span = spans[i];
        require_object(span, where);
        if (!is_hex_id(span.value("traceId", json()), kTraceIdHex)) {
          throw std::runtime_error(where + ".traceId is not 32 hex digits");
        }
        if (!is_hex_id(span.value("spanId", json()), kSpanIdHex)) {
          throw std::runtime_error(where + ".spanId is not 16 hex digits");
        }
        entry.items.push_back(dump(span));
      }
      if (!entry.items.empty()) out.push_back(std::move(entry));
    }
  }
  return out;
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

TestPayload read_test_payload(const fs::path& test_dir,
                              const std::vector<otlp::KeyValue>& resource_attributes,
                              const std::string& default_service_name) {
  TestPayload payload;
  std::optional<std::string> resource;
  const fs::path trace_path = test_dir / artifact_files::kOtlpTraceFile;
  std::error_code ec;
  if (fs::exists(trace_path, ec)) {
    try {
      std::string error;
      const auto text = read_text(trace_path, error);
      if (!text) throw std::runtime_error(error);
      if (text->empty()) throw std::runtime_error("is empty");
      payload.spans =
          spans_of(analysis::parse_json_or_throw(*text), resource_attributes, default_service_name, resource);
      for (const ResourceItems& entry : payload.spans) payload.span_count += entry.items.size();
    } catch (const std::exception& e) {
      payload.spans.clear();
      payload.span_count = 0;
      resource.reset();
      payload.problems.push_back({trace_path, e.what()});
    }
  }
  const fs::path logs_path = test_dir / artifact_files::kLogsFile;
  if (!fs::exists(logs_path, ec)) return payload;
  std::string error;
  const auto text = read_text(logs_path, error);
  if (!text) {
    payload.problems.push_back({logs_path, error});
    return payload;
  }
  if (!resource) {
    json fresh = json::object();
    merge_resource(fresh, resource_attributes, default_service_name);
    resource = dump(fresh);
  }
  ResourceItems logs{*resource, scope_json(), {}};
  std::istringstream lines(*text);
  std::string line;
  for (std::size_t number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      logs.items.push_back(log_record_json(line));
    } catch (const std::exception& e) {
      payload.problems.push_back({logs_path, "line " + std::to_string(number) + ": " + e.what()});
    }
  }
  payload.log_count = logs.items.size();
  if (!logs.items.empty()) payload.logs.push_back(std::move(logs));
  return payload;
}

}  // namespace testscope::exporting
