#include "harness/live_exporter.hpp"

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <utility>

#include "otlp_http/otlp_http_client.hpp"

namespace testscope::harness {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

std::unique_ptr<LiveExporter> LiveExporter::start(const otlp::Environment& env, const std::string& endpoint,
                                                  std::vector<std::string>& warnings, std::string& error,
                                                  std::size_t capacity, const std::string& user_agent) {
  try {
    otlp::ExporterConfigResult configured = otlp::exporter_config_from_environment(
        env, endpoint.empty() ? std::nullopt : std::optional<std::string>(endpoint));
    for (std::string& warning : configured.warnings) warnings.push_back(std::move(warning));
    if (!configured.error.empty()) {
      error = configured.error;
      return nullptr;
    }
    if (!env("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") && !env("OTEL_EXPORTER_OTLP_TIMEOUT")) {
      configured.config.traces.timeout = kDefaultTimeout;
    }
    configured.config.user_agent = user_agent;
    return std::make_unique<LiveExporter>(std::move(configured.config), capacity);
  } catch (const std::exception& e) {
    error = e.what();
    return nullptr;
  }
}

LiveExporter::LiveExporter(otlp::ExporterConfig config, std::size_t capacity)
    : config_(std::move(config)),
      capacity_(capacity),
      owner_pid_(static_cast<long>(getpid())),
      thread_(std::make_unique<std::thread>([this] { run(); })) {}

LiveExporter::~LiveExporter() {
  finish();
  // NOLINTNEXTLINE(bugprone-unused-return-value): a forked child leaks the parent's thread object
  if (static_cast<long>(getpid()) != owner_pid_) static_cast<void>(thread_.release());
}

void LiveExporter::submit(std::string body) noexcept {
  try {
    const std::lock_guard<std::mutex> lock(mutex_);
    ++counts_.submitted;
    if (closing_) {
      ++counts_.dropped_at_end;
    } else if (queue_.size() >= capacity_) {
      ++counts_.dropped_full;
    } else {
      queue_.push_back(std::move(body));
      wake_.notify_one();
    }
  } catch (...) {
    // No memory for the queue entry: the trace is lost; it was counted as submitted only.
  }
}

LiveExportCounts LiveExporter::finish() noexcept {
  if (static_cast<long>(getpid()) != owner_pid_) return {};
  try {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!closing_) {
        closing_ = true;
        end_deadline_ = Clock::now() + config_.traces.timeout;
      }
      wake_.notify_one();
    }
    if (thread_ && thread_->joinable()) thread_->join();
    return counts();
  } catch (...) {
    return {};
  }
}

LiveExportCounts LiveExporter::counts() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

void LiveExporter::run() noexcept {
  std::unique_ptr<otlp::OtlpHttpClient> client;
  try {
    client = std::make_unique<otlp::OtlpHttpClient>(config_);
  } catch (...) {
  }
  Clock::time_point down_until = Clock::time_point::min();
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing, and nothing left
    const Clock::time_point now = Clock::now();
    if (closing_ && (now >= end_deadline_ || now < down_until || !client)) {
      counts_.dropped_at_end += queue_.size();
      queue_.clear();
      return;
    }
    std::string body = std::move(queue_.front());
    queue_.pop_front();
    if (now < down_until || !client) {
      ++counts_.dropped_down;
      continue;
    }
    lock.unlock();
    const otlp::ExportResult result = client->send(otlp::Signal::kTraces, body);
    lock.lock();
    switch (result.status) {
      case otlp::ExportStatus::kAccepted:
        ++counts_.sent;
        break;
      case otlp::ExportStatus::kPartiallyAccepted:
      case otlp::ExportStatus::kRejected:
        ++counts_.rejected;
        counts_.last_error = result.message;
        break;
      case otlp::ExportStatus::kFailed:
        ++counts_.failed;
        counts_.last_error = result.message;
        down_until = Clock::now() + kCoolDown;
        break;
    }
  }
}

std::string describe_live_export(const LiveExportCounts& c, const std::string& url) {
  if (c.not_delivered() == 0) return {};
  std::string parts;
  auto part = [&parts](std::size_t n, const char* what) {
    if (n == 0) return;
    parts += (parts.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  part(c.failed, "failed");
  part(c.rejected, "rejected");
  part(c.dropped_down, "dropped while the endpoint was down");
  part(c.dropped_full, "dropped on a full queue");
  part(c.dropped_at_end, "dropped at the end");
  std::string line = "live OTLP export to " + url + ": " + std::to_string(c.not_delivered()) + " of " +
                     std::to_string(c.submitted) + " test traces not delivered (" + parts + ")";
  if (!c.last_error.empty()) line += "; last error: " + c.last_error;
  return line + "; test results are unaffected";
}

namespace {

// `record`'s header (ids, threads, drops) with spans [first, last) only.
TestRecord slice_of(const TestRecord& record, std::size_t first, std::size_t last) {
  TestRecord slice;
  slice.trace_id = record.trace_id;
  slice.root_span_id = record.root_span_id;
  slice.dropped_records = record.dropped_records;
  slice.threads = record.threads;
  slice.spans.assign(record.spans.begin() + static_cast<std::ptrdiff_t>(first),
                     record.spans.begin() + static_cast<std::ptrdiff_t>(last));
  return slice;
}

// Gives `sink` the bodies for spans [first, last) of `record`, halving the slice until each
// body fits (or holds a single span).
void slice_bodies(const TestRecord& record, const RunInfo& run, std::size_t max_bytes, std::size_t first,
                  std::size_t last, const std::function<void(std::string)>& sink) {
  std::string body = otlp_json(slice_of(record, first, last), run);
  if (body.size() <= max_bytes || last - first <= 1) {
    sink(std::move(body));
    return;
  }
  body.clear();
  body.shrink_to_fit();
  const std::size_t middle = first + (last - first) / 2;
  slice_bodies(record, run, max_bytes, first, middle, sink);
  slice_bodies(record, run, max_bytes, middle, last, sink);
}

}  // namespace

void for_each_trace_body(const TestRecord& record, const RunInfo& run, std::size_t max_bytes,
                         const std::function<void(std::string)>& sink) {
  const std::size_t n = record.spans.size();
  // The size of a body per span, from the first spans: a trace that will not fit in one body
  // is never formatted whole (a test of millions of spans would take gigabytes at once).
  constexpr std::size_t kSample = 256;
  const std::size_t sampled = std::min(n, kSample);
  const std::size_t sample_bytes = sampled < n ? otlp_json(slice_of(record, 0, sampled), run).size() : 0;
  const std::size_t per_span = sampled == 0 ? 1 : std::max<std::size_t>(1, sample_bytes / sampled);
  if (sampled == n || per_span * n <= max_bytes) {
    slice_bodies(record, run, max_bytes, 0, n, sink);  // one body, the trace as on disk, if it fits
    return;
  }
  // Slices that should fit with room to spare (spans differ in size; an oversized one halves).
  const std::size_t per_body = std::max<std::size_t>(1, max_bytes / 4 * 3 / per_span);
  for (std::size_t first = 0; first < n; first += per_body) {
    slice_bodies(record, run, max_bytes, first, std::min(n, first + per_body), sink);
  }
}

LiveExportSummary summary_of(const LiveExportCounts& c, const std::string& url) {
  LiveExportSummary s;
  s.url = url;
  s.traces = static_cast<std::int64_t>(c.submitted);
  s.sent = static_cast<std::int64_t>(c.sent);
  s.rejected = static_cast<std::int64_t>(c.rejected);
  s.failed = static_cast<std::int64_t>(c.failed);
  s.dropped = static_cast<std::int64_t>(c.dropped_full + c.dropped_down + c.dropped_at_end);
  s.last_error = c.last_error;
  return s;
}

}  // namespace testscope::harness
