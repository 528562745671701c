#include "testscope/capture.hpp"

#include <cstdio>
#include <mutex>

#include "capture/assemble.hpp"
#include "capture/control_block.hpp"
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

namespace {

// One line on stderr for a test that lost records: the timeline and traces miss them, and
// a passing test prints no timeline that would say so.
void warn_about_drops(const TestRecord& record) noexcept {
  if (record.dropped_records == 0) return;
  try {
    std::fprintf(stderr,
                 "testscope: warning: %s: %llu records dropped (a thread's %zu KiB buffer was full, or a "
                 "thread got none); its spans, events and logs are incomplete: set TESTSCOPE_BUFFER_KB to "
                 "give each thread more\n",
                 record.test.full_name().c_str(), static_cast<unsigned long long>(record.dropped_records),
                 detail::buffer_capacity() >> 10U);
  } catch (...) {
  }
}

}  // namespace

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
  detail::unpublish_test();
  detail::set_tick_mapping(s.start_ticks, s.start_unix_ns, detail::tick_clock().ns_per_tick());
  const std::uint32_t epoch = detail::activate(s.root);
  s.thread_index = detail::touch_thread();
  detail::publish_test(s.test, {s.start_ticks, s.start_unix_ns, detail::tick_clock().ns_per_tick()}, s.root,
                       s.parent_span_id, epoch, s.thread_index);
}

void TestCapture::add_failure(Failure failure) noexcept {
  try {
    if (failure.time_unix_ns == 0) failure.time_unix_ns = detail::unix_now_ns();
    std::lock_guard<std::mutex> lock(state_->mutex);
    detail::publish_failure(failure);
    state_->failures.push_back(std::move(failure));
  } catch (...) {
  }
}

TestRecord TestCapture::end(Outcome outcome) noexcept {
  TestRecord record;
  State& s = *state_;
  if (!s.active) return record;
  const std::int64_t end_unix_ns = detail::unix_now_ns();
  detail::unpublish_test();
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
    std::vector<detail::BufferView> buffers;
    detail::for_each_buffer([&](const detail::BufferView& buffer) { buffers.push_back(buffer); });
    record.dropped_records += detail::threads_without_buffer();
    record.metrics = detail::MetricsSnapshot::take().since(s.metrics_before);
    detail::assemble_record(record, {s.start_ticks, s.start_unix_ns, clock.ns_per_tick()}, buffers,
                            s.parent_span_id, s.thread_index);
  } catch (...) {
    // Out of memory while assembling: return what there is.
  }
  warn_about_drops(record);
  return record;
}

}  // namespace testscope
