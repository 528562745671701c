// Packing spans or log records into OTLP/JSON request bodies of bounded size
// (ExportTraceServiceRequest / ExportLogsServiceRequest, whose JSON is that of
// TracesData / LogsData). The pieces come already serialized, so this knows no JSON
// library: the CLI feeds it what it read from an artifact tree, a live exporter what it
// wrote with RapidJSON.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "otlp_http/signal.hpp"

namespace testscope::otlp {

// One request body, ready to send. A plain value.
struct Batch {
  std::string body;        // JSON, uncompressed
  std::size_t items = 0;   // spans or log records in it
  bool oversized = false;  // one item alone is larger than the limit; sent alone anyway
};

// Builds bodies of at most `max_body_bytes` (before compression) each: a body is closed
// when the next item would not fit, and the resource and scope of the items that follow
// are repeated in the next one, so a resource with many spans is split across requests.
// An item too large to fit even alone goes into a body of its own (marked oversized).
// No body is empty. Not thread-safe: one builder per thread.
class BatchBuilder {
 public:
  // 4 MiB: the usual limit of OTLP receivers (gRPC's default message size).
  static constexpr std::size_t kDefaultMaxBodyBytes = std::size_t{4} * 1024 * 1024;

  explicit BatchBuilder(Signal signal, std::size_t max_body_bytes = kDefaultMaxBodyBytes);

  // Adds the `items` (each one JSON object: a Span or a LogRecord) of one resource
  // (a Resource JSON object, "{}" for none) and scope (an InstrumentationScope object).
  // Returns the bodies this completed, in order; the rest stays open for more items.
  std::vector<Batch> add(std::string_view resource_json, std::string_view scope_json,
                         const std::vector<std::string>& items);

  // The same, one item at a time, for a reader that never holds all the items: begin()
  // starts a new resource entry, each add_item() adds to it and returns the body it
  // completed, if any. add() is begin() and add_item() for each item.
  void begin(std::string_view resource_json, std::string_view scope_json);
  std::optional<Batch> add_item(std::string_view item);

  // Closes and returns the open body, if it holds any item.
  std::optional<Batch> finish();

 private:
  // {"resource":R,"scopeSpans":[{"scope":S,"spans":[  (or the logs' keys)
  std::string entry_header(std::string_view resource_json, std::string_view scope_json) const;
  Batch close_body();

  std::string_view top_key_;    // "resourceSpans" | "resourceLogs"
  std::string_view scope_key_;  // "scopeSpans" | "scopeLogs"
  std::string_view items_key_;  // "spans" | "logRecords"
  std::size_t max_body_bytes_;
  std::string header_;  // the entry header of the items being added (entry_header())
  std::string body_;    // the open body, without its closing brackets
  std::size_t body_items_ = 0;
  std::size_t entry_items_ = 0;  // items in the open resource entry
  bool entry_open_ = false;
  bool oversized_ = false;
};

}  // namespace testscope::otlp
