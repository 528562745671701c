#include "testscope/capture.hpp"

#include <algorithm>
#include <mutex>
#include <numeric>

#include "capture/buffer_reader.hpp"
#include "capture/metrics_delta.hpp"
#include "recorder/clock.hpp"
#include "recorder/recorder.hpp"

namespace testscope {

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::kPass:
      return "pass";
    case Outcome::kFail:
      return "fail";
    case Outcome::kSkip:
      return "skip";
    case Outcome::kCrash:
      return "crash";
    case Outcome::kTimeout:
      return "timeout";
  }
  return "unknown";
}

std::string_view to_string(MetricKind kind) noexcept {
  switch (kind) {
    case MetricKind::kCounter:
      return "counter";
    case MetricKind::kGauge:
      return "gauge";
    case MetricKind::kHistogram:
      return "histogram";
    case MetricKind::kSummary:
      return "summary";
    case MetricKind::kUntyped:
      return "untyped";
  }
  return "untyped";
}

const SpanData* TestRecord::find_span(std::uint64_t span_id) const noexcept {
  for (const SpanData& span : spans) {
    if (span.span_id == span_id) return &span;
  }
  return nullptr;
}

struct TestCapture::State {
  std::mutex mutex;  // guards failures (add_failure may come from any thread)
  bool active = false;
  TestInfo test;
  SpanContext root;
  std::uint64_t parent_span_id = 0;
  std::uint64_t start_ticks = 0;
  std::uint32_t thread_index = 0;  // the thread running the test
  std::int64_t start_unix_ns = 0;
  std::vector<Failure> failures;
  detail::MetricsSnapshot metrics_before;
};

TestCapture::TestCapture() : state_(std::make_unique<State>()) {}
TestCapture::~TestCapture() {
  if (state_ && state_->active) detail::deactivate();
}

bool TestCapture::active() const noexcept { return state_->active; }

void TestCapture::begin(TestInfo test, const SpanContext& parent) noexcept {
  State& s = *state_;
  if (s.active) (void)end(Outcome::kFail);
  detail::tick_clock().ns_per_tick();  // first use calibrates, outside the test's time
  s.test = std::move(test);
  s.root.trace_id = parent.valid() ? parent.trace_id : detail::new_trace_id();
  s.root.span_id = detail::new_span_id();
  s.parent_span_id = parent.valid() ? parent.span_id : 0;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.failures.clear();
  }
  try {
    s.metrics_before = detail::MetricsSnapshot::take();
  } catch (...) {
    s.metrics_before = {};
  }
  s.start_unix_ns = detail::unix_now_ns();
  s.start_ticks = detail::now_ticks();
  s.active = true;
  detail::activate(s.root);
  s.thread_index = detail::touch_thread();
}

void TestCapture::add_failure(Failure failure) noexcept {
  try {
    if (failure.time_unix_ns == 0) failure.time_unix_ns = detail::unix_now_ns();
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->failures.push_back(std::move(failure));
  } catch (...) {
  }
}

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
  root.attributes.push_back(attr("test.suite.name", record.test.suite));
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
    event.attributes.push_back(attr(
        "exception.type", std::string(failure.fatal ? "gtest.fatal_failure" : "gtest.nonfatal_failure")));
    event.attributes.push_back(attr("exception.message", failure.message));
    event.attributes.push_back(attr("code.filepath", failure.file));
    event.attributes.push_back(attr("code.lineno", static_cast<std::int64_t>(failure.line)));
    root.events.push_back(std::move(event));
  }
  if (record.outcome == Outcome::kPass || record.outcome == Outcome::kSkip) {
    root.status = StatusCode::kUnset;
  } else {
    root.status = StatusCode::kError;
    root.status_message =
        record.failures.empty() ? std::string(to_string(record.outcome)) : record.failures.front().message;
  }
  return root;
}

}  // namespace

TestRecord TestCapture::end(Outcome outcome) noexcept {
  TestRecord record;
  State& s = *state_;
  if (!s.active) return record;
  const std::int64_t end_unix_ns = detail::unix_now_ns();
  detail::deactivate();
  s.active = false;
  try {
    record.test = s.test;
    record.outcome = outcome;
    record.start_unix_ns = s.start_unix_ns;
    record.end_unix_ns = end_unix_ns;
    record.trace_id = s.root.trace_id;
    record.root_span_id = s.root.span_id;
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      record.failures = std::move(s.failures);
      s.failures.clear();
    }
    detail::TickClock& clock = detail::tick_clock();
    clock.refine();
    const detail::TickMapping mapping{s.start_ticks, s.start_unix_ns, clock.ns_per_tick()};
    detail::SpanAssembler assembler(mapping);
    detail::for_each_buffer([&](const detail::BufferView& buffer) {
      record.threads.push_back(ThreadData{buffer.thread_index, buffer.os_tid, buffer.thread_name});
      record.dropped_records += buffer.dropped;
      if (!assembler.add_buffer(buffer)) ++record.dropped_records;
    });
    record.dropped_records += detail::threads_without_buffer();
    record.orphan_records = assembler.orphan_records();
    std::vector<SpanData> spans = assembler.take_spans();
    record.logs = assembler.take_logs();
    record.metrics = detail::MetricsSnapshot::take().since(s.metrics_before);
    std::stable_sort(record.logs.begin(), record.logs.end(),
                     [](const LogData& a, const LogData& b) { return a.time_unix_ns < b.time_unix_ns; });
    for (SpanData& span : spans) {
      if (!span.ended) span.end_unix_ns = std::max(end_unix_ns, span.start_unix_ns);
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
    record.spans.push_back(make_root_span(record, s.parent_span_id, s.thread_index));
    for (std::size_t i : order) record.spans.push_back(std::move(spans[i]));
  } catch (...) {
    // Out of memory while assembling: return what there is.
  }
  return record;
}

}  // namespace testscope
