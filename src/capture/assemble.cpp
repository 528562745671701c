#include "capture/assemble.hpp"

#include <algorithm>
#include <iterator>
#include <numeric>
#include <string>
#include <variant>

namespace testscope::detail {
namespace {

AttributeData attr(std::string key, std::variant<std::string, std::int64_t, double, bool> value) {
  return AttributeData{std::move(key), std::move(value)};
}

SpanData make_root_span(const TestRecord& record, std::uint64_t parent_span_id, std::uint32_t thread) {
  SpanData root;
  root.trace_id = record.trace_id;
  root.span_id = record.root_span_id;
  root.parent_span_id = parent_span_id;
  root.name = record.test.full_name();
  root.start_unix_ns = record.start_unix_ns;
  root.end_unix_ns = record.end_unix_ns;
  root.thread_index = thread;
  root.file = record.test.file;
  root.line = static_cast<std::uint32_t>(std::max(record.test.line, 0));
  root.function = record.test.full_name();
  if (!record.test.suite.empty()) root.attributes.push_back(attr("test.suite.name", record.test.suite));
  root.attributes.push_back(attr("test.case.name", record.test.full_name()));
  if (record.outcome != Outcome::kSkip) {  // the convention has only pass and fail
    root.attributes.push_back(
        attr("test.case.result.status", std::string(record.outcome == Outcome::kPass ? "pass" : "fail")));
  }
  if (!record.test.value_param.empty()) {
    root.attributes.push_back(attr("test.case.parameter", record.test.value_param));
  }
  if (!record.test.type_param.empty()) {
    root.attributes.push_back(attr("test.case.type_parameter", record.test.type_param));
  }
  for (const Failure& failure : record.failures) {
    EventData event;
    event.name = "exception";
    event.time_unix_ns = failure.time_unix_ns;
    // A failure without a type (a capture driven without the harness) keeps GoogleTest's names.
    event.attributes.push_back(attr("exception.type", !failure.type.empty() ? failure.type
                                                      : failure.fatal       ? "gtest.fatal_failure"
                                                                            : "gtest.nonfatal_failure"));
    event.attributes.push_back(attr("exception.message", failure.message));
    event.attributes.push_back(attr("code.filepath", failure.file));
    event.attributes.push_back(attr("code.lineno", static_cast<std::int64_t>(failure.line)));
    root.events.push_back(std::move(event));
  }
  if (record.outcome == Outcome::kPass || record.outcome == Outcome::kSkip) {
    root.status = StatusCode::kUnset;
  } else {
    // A crash or a timeout is described by the last failure (recovery adds it); a plain
    // failure by the first, the one that started it.
    root.status = StatusCode::kError;
    const bool died = record.outcome == Outcome::kCrash || record.outcome == Outcome::kTimeout;
    if (record.failures.empty()) {
      root.status_message = std::string(to_string(record.outcome));
    } else {
      root.status_message = died ? record.failures.back().message : record.failures.front().message;
    }
  }
  return root;
}

}  // namespace

void assemble_record(TestRecord& record, const TickMapping& clock, const std::vector<BufferView>& buffers,
                     std::uint64_t parent_span_id, std::uint32_t test_thread) {
  SpanAssembler assembler(clock, record.root_span_id);
  for (const BufferView& buffer : buffers) {
    record.threads.push_back(ThreadData{buffer.thread_index, buffer.os_tid, buffer.thread_name});
    record.dropped_records += buffer.dropped;
    if (!assembler.add_buffer(buffer)) ++record.dropped_records;
  }
  record.orphan_records = assembler.orphan_records();
  std::vector<SpanData> spans = assembler.take_spans();
  record.logs = assembler.take_logs();
  std::stable_sort(record.logs.begin(), record.logs.end(),
                   [](const LogData& a, const LogData& b) { return a.time_unix_ns < b.time_unix_ns; });
  for (SpanData& span : spans) {
    if (!span.ended) span.end_unix_ns = std::max(record.end_unix_ns, span.start_unix_ns);
  }
  // Spans in start order, a thread's spans in their order of decoding when they start at
  // once (stable). Sorting indices moves each (large) SpanData once, not at every step.
  std::vector<std::size_t> order(spans.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&spans](std::size_t a, std::size_t b) {
    return spans[a].start_unix_ns < spans[b].start_unix_ns;
  });
  std::sort(record.threads.begin(), record.threads.end(),
            [](const ThreadData& a, const ThreadData& b) { return a.index < b.index; });
  record.spans.reserve(spans.size() + 1);
  SpanData root = make_root_span(record, parent_span_id, test_thread);
  SpanData recorded_on_root = assembler.take_root();
  std::move(recorded_on_root.attributes.begin(), recorded_on_root.attributes.end(),
            std::back_inserter(root.attributes));
  if (!recorded_on_root.events.empty()) {  // beside the failures, in time order
    std::move(recorded_on_root.events.begin(), recorded_on_root.events.end(),
              std::back_inserter(root.events));
    std::stable_sort(root.events.begin(), root.events.end(),
                     [](const EventData& a, const EventData& b) { return a.time_unix_ns < b.time_unix_ns; });
  }
  record.spans.push_back(std::move(root));
  for (std::size_t i : order) record.spans.push_back(std::move(spans[i]));
}

}  // namespace testscope::detail
