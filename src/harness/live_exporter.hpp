// Internal to the harness: live export from the test program (--testscope_otlp,
// docs/export.md): each test's trace goes to an OTLP/HTTP endpoint when the test ends, from
// one background thread, so that a slow or absent collector never slows or fails the tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "otel_env/environment.hpp"
#include "otlp_http/exporter_config.hpp"
#include "testscope/artifacts.hpp"

namespace testscope::harness {

// What became of the traces given to a LiveExporter. A plain value.
struct LiveExportCounts {
  std::size_t submitted = 0;       // bodies given to submit(): a test's trace, or a slice of one
  std::size_t sent = 0;            // accepted by the endpoint (a partial success included)
  std::size_t rejected = 0;        // refused by it: 400, 413, or spans of a partial success
  std::size_t failed = 0;          // requests not delivered (unreachable, 5xx, timed out)
  std::size_t dropped_full = 0;    // not queued: the queue was full
  std::size_t dropped_down = 0;    // not sent: in the cool-down after a failed request
  std::size_t dropped_at_end = 0;  // still queued when the program ended and time was up
  std::string last_error;          // the last failure's or rejection's message

  std::size_t not_delivered() const noexcept {
    return rejected + failed + dropped_full + dropped_down + dropped_at_end;
  }
};

// Sends OTLP/JSON ExportTraceServiceRequest bodies, one per request, from a thread of its
// own with a bounded queue. submit() never blocks and never throws: a full queue drops the
// trace (counted). Each request has the configured timeout, retries included; after a
// request that failed, traces are dropped (counted) for a cool-down instead of waiting for
// an endpoint that is down. Thread-safe: submit() from any thread.
class LiveExporter {
 public:
  static constexpr std::size_t kDefaultQueueCapacity = 64;
  // Per request, retries included, unless OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT says
  // otherwise: shorter than the specification's 10 s, because the end of the program may
  // wait for one request.
  static constexpr std::chrono::milliseconds kDefaultTimeout{2000};
  static constexpr std::chrono::milliseconds kCoolDown{10000};

  // The configuration from the OTEL_EXPORTER_OTLP_* variables of `env` (docs/export.md),
  // `endpoint` (when not empty) a base URL that wins over them; requests carry `user_agent`
  // ("testscope-gtest", ...). Returns null and sets `error` when no usable endpoint results;
  // appends bad values to `warnings`.
  static std::unique_ptr<LiveExporter> start(const otlp::Environment& env, const std::string& endpoint,
                                             std::vector<std::string>& warnings, std::string& error,
                                             std::size_t capacity = kDefaultQueueCapacity,
                                             const std::string& user_agent = "testscope");

  LiveExporter(otlp::ExporterConfig config, std::size_t capacity);
  ~LiveExporter();  // finish()
  LiveExporter(const LiveExporter&) = delete;
  LiveExporter& operator=(const LiveExporter&) = delete;

  // The traces URL requests go to.
  const std::string& url() const noexcept { return config_.traces.url; }
  // The largest request body the receiver is assumed to take (4 MiB).
  std::size_t max_body_bytes() const noexcept { return config_.max_body_bytes; }

  // Queues one request body (a trace of one test); drops it if the queue is full or
  // finish() was called. Never blocks, never throws.
  void submit(std::string body) noexcept;

  // Takes no more traces, sends what is queued while time is left (no request starts
  // later than one request timeout from now, so this returns within about that), drops the
  // rest, and stops the thread. Safe to call more than once; returns the counts. In a
  // forked child (a death test) it does nothing and returns no counts.
  LiveExportCounts finish() noexcept;

  // The counts so far (for tests).
  LiveExportCounts counts() const;

 private:
  void run() noexcept;

  const otlp::ExporterConfig config_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  LiveExportCounts counts_;
  bool closing_ = false;
  std::chrono::steady_clock::time_point end_deadline_ = std::chrono::steady_clock::time_point::max();
  // The process that started the thread: a child forked by a death test (which may end
  // in exit(), destroying this) has no such thread and must neither join it nor lock.
  const long owner_pid_;
  std::unique_ptr<std::thread> thread_;
};

// One warning line for the end of the program, or "" when every trace was delivered.
std::string describe_live_export(const LiveExportCounts& counts, const std::string& url);

// Gives `sink`, one at a time, the request bodies (OTLP/JSON ExportTraceServiceRequest) for
// `record`'s trace: one (the trace as on disk), or when that would be over `max_bytes`,
// several, each holding a slice of the spans under the same resource and scope, so no
// request goes over the receiver's limit. A single span larger than that still goes alone.
// At most about one body is held at a time: a trace too big for one body is never
// formatted whole.
void for_each_trace_body(const TestRecord& record, const RunInfo& run, std::size_t max_bytes,
                         const std::function<void(std::string)>& sink);

// The counts as run.json records them (testscope/artifacts.hpp).
LiveExportSummary summary_of(const LiveExportCounts& counts, const std::string& url);

}  // namespace testscope::harness
