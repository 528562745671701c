// One test's record in one execution, as explain needs it: every span with its thread,
// parent, times, attributes and status; span events and log events on their spans; the
// provocation waits (docs/provoke.md) apart from everything else; and the metric changes.
// Read from the test's folder: trace.otlp.json (RapidJSON: a run of 1,000 executions with
// 1,000 spans each is half a gigabyte of JSON), logs.jsonl and metrics.prom.
//
// Strings are interned in a StringPool shared by the executions of one test, so the
// engine compares ids, not text. Times are nanoseconds from the test's root span's start.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace testscope::explain {

using StringId = std::uint32_t;
inline constexpr StringId kNoString = std::numeric_limits<StringId>::max();
// The end of a span still open when the test ended (or its process died): later than anything.
inline constexpr std::int64_t kNeverEnded = std::numeric_limits<std::int64_t>::max();

// Interned strings: equal text, equal id. Not thread-safe; ids and texts live as long as the pool.
class StringPool {
 public:
  StringId intern(std::string_view text);
  const std::string& text(StringId id) const { return texts_[id]; }
  std::size_t size() const { return texts_.size(); }

 private:
  std::deque<std::string> texts_;  // a deque: the map's keys view into it and must not move
  std::unordered_map<std::string_view, StringId> ids_;
};

struct Attribute {
  StringId key = kNoString;
  StringId value = kNoString;  // the value as text: strings as they are, numbers and booleans as JSON
};

struct SpanRecord {
  StringId name = kNoString;
  std::int32_t parent = -1;                                // index in ExecutionTrace::spans; -1 for the root
  std::uint32_t thread = 0;                                // index in ExecutionTrace::threads
  std::int64_t begin = 0;                                  // ns from the root's start
  std::int64_t end = 0;                                    // kNeverEnded when unfinished
  std::uint64_t span_id = 0;                               // as in the trace (16 hex digits)
  bool error = false;                                      // status ERROR
  std::uint32_t attribute_begin = 0, attribute_count = 0;  // in ExecutionTrace::attributes
};

// A span event or a log event (logs.jsonl), on the span it belongs to.
struct EventRecord {
  StringId name = kNoString;
  std::int32_t span = -1;
  std::int64_t time = 0;
  bool is_log = false;
  std::uint32_t attribute_begin = 0, attribute_count = 0;
};

struct ThreadRecord {
  StringId name = kNoString;  // kNoString when unnamed
  std::int64_t os_tid = 0;
};

// An injected wait (event testscope.provoke.wait): never a cause, subtracted from durations.
struct WaitRecord {
  std::uint32_t thread = 0;
  std::int64_t time = 0;
  std::int64_t wait_ns = 0;
};

// One series of metrics.prom and its change, as text ("promo_uses_total{status=\"ok\"}", "2").
struct MetricRecord {
  StringId series = kNoString;
  StringId value = kNoString;
};

// Everything read of one test in one execution. Plain data.
struct ExecutionTrace {
  std::string error;              // "" when trace.otlp.json was read; otherwise why not (nothing else is set)
  std::vector<SpanRecord> spans;  // spans[0] is the test's root span
  std::vector<Attribute> attributes;
  std::vector<EventRecord> events;
  std::vector<ThreadRecord> threads;
  std::vector<WaitRecord> waits;
  std::vector<MetricRecord> metrics;
  std::vector<std::string> notes;  // what was skipped: a bad line of logs.jsonl, an unreadable metrics.prom
};

// Reads the test folder `dir` (runs/<n>/tests/<id>). Never throws except std::bad_alloc:
// an unreadable or corrupt trace sets `error`, naming the file and the position.
ExecutionTrace read_execution_trace(const std::filesystem::path& dir, StringPool& pool);

// The same from the files' text (tests and the benchmark); `origin` names the trace in errors.
ExecutionTrace parse_execution_trace(std::string otlp_json, std::string_view logs_jsonl,
                                     std::string_view metrics_prom, const std::string& origin,
                                     StringPool& pool);

}  // namespace testscope::explain
