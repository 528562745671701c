// Reading a trace.otlp.json of any size for `testscope export` without holding it: the file
// is parsed as a stream of events (nlohmann::json's SAX interface), and only one span, one
// resource or one scope at a time becomes a JSON value. Internal to testscope::export.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "otel_env/key_value_list.hpp"

namespace testscope::exporting {

// What a first pass over a trace file keeps: every resource (with the environment's
// attributes merged in) and scope, serialized, and the number of spans. Kilobytes, whatever
// the number of spans. Plain data.
struct TraceOutline {
  std::vector<std::string> resources;            // per resourceSpans
  std::vector<std::vector<std::string>> scopes;  // per resourceSpans, per scopeSpans
  std::size_t span_count = 0;
};

// Called for each span of a trace file, in order: the indices of its resourceSpans and
// scopeSpans, and the span as compact JSON (invalid UTF-8 replaced).
using SpanVisitor = std::function<void(std::size_t resource, std::size_t scope, std::string span)>;

// Reads the trace file at `path` as a stream and checks it in outline: TracesData's nesting,
// every span an object with hex trace and span ids. `resource_attributes` are set on every
// resource (replacing attributes of the same key); a resource without service.name gets
// `default_service_name`. When `visit` is set it is called for every span. Throws
// std::runtime_error with the reason: the place in the document ("resourceSpans[0].
// scopeSpans[1].spans[7].traceId is not 32 hex digits"), or the JSON error and its byte.
// A span is given to `visit` as soon as it is read: an error later in the file comes after
// it, which is why export reads a file twice, checking it before it sends a span.
TraceOutline read_trace(const std::filesystem::path& path,
                        const std::vector<otlp::KeyValue>& resource_attributes,
                        const std::string& default_service_name, const SpanVisitor& visit = nullptr);

// Sets every attribute of `attributes` on the Resource `resource` (an object) as a string,
// replacing one of the same key; adds service.name = `service_name` if it has none.
void merge_resource(nlohmann::json& resource, const std::vector<otlp::KeyValue>& attributes,
                    const std::string& service_name);

}  // namespace testscope::exporting
