#include "export/export_otlp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <vector>

#include "analysis/artifact_tree.hpp"
#include "analysis/verdict_text.hpp"
#include "export/export_payloads.hpp"
#include "otel_env/resource_environment.hpp"
#include "otlp_http/batch_builder.hpp"
#include "otlp_http/exporter_config.hpp"
#include "otlp_http/otlp_http_client.hpp"

namespace testscope::exporting {
namespace {

namespace fs = std::filesystem;
using analysis::detail::plural;
using otlp::Signal;

constexpr std::size_t kMiB = std::size_t{1024} * 1024;

// What became of one signal's items. Plain data.
struct SignalTally {
  std::size_t read = 0;      // items read from the tree
  std::size_t sent = 0;      // accepted by the endpoint
  std::size_t rejected = 0;  // refused by it (partial success, 400, 413)
  std::size_t batches = 0;   // requests made (retries not counted)
};

// Sends batches and counts what became of them; after a failure (the endpoint unreachable
// or refusing) sends nothing more.
class Sender {
 public:
  explicit Sender(otlp::OtlpHttpClient& client) : client_(client) {}

  void send(Signal signal, const otlp::Batch& batch) {
    SignalTally& tally = this->tally(signal);
    if (failed_) return;
    const std::string& url = client_.config().signal(signal).url;
    const auto noun = otlp::item_name(signal);
    if (batch.oversized) {
      fmt::print(stderr,
                 "testscope: warning: a request of {} bytes ({} {}) is over the {} MiB batch limit: one "
                 "item is that large; sent alone\n",
                 batch.body.size(), batch.items, noun, client_.config().max_body_bytes / kMiB);
    }
    ++tally.batches;
    const otlp::ExportResult result = client_.send(signal, batch.body);
    switch (result.status) {
      case otlp::ExportStatus::kAccepted:
        tally.sent += batch.items;
        if (!result.message.empty()) {
          fmt::print(stderr, "testscope: {}: the endpoint warns: {}\n", url, result.message);
        }
        break;
      case otlp::ExportStatus::kPartiallyAccepted: {
        const auto rejected = std::min<std::size_t>(static_cast<std::size_t>(result.rejected), batch.items);
        tally.sent += batch.items - rejected;
        tally.rejected += rejected;
        fmt::print(stderr, "testscope: {}: the endpoint rejected {} of {} {}: {}\n", url, rejected,
                   batch.items, noun, result.message.empty() ? "(no reason given)" : result.message);
        break;
      }
      case otlp::ExportStatus::kRejected:
        tally.rejected += batch.items;
        fmt::print(stderr, "testscope: {}: {}; a batch of {} {} rejected (not retried)\n", url,
                   result.message, batch.items, noun);
        break;
      case otlp::ExportStatus::kFailed:
        failed_ = true;
        fmt::print(stderr, "testscope: {}: {}; nothing more is sent\n", url, result.message);
        break;
    }
  }

  void send(Signal signal, const std::vector<otlp::Batch>& batches) {
    for (const otlp::Batch& batch : batches) send(signal, batch);
  }

  SignalTally& tally(Signal signal) { return signal == Signal::kTraces ? traces_ : logs_; }
  const otlp::ExporterConfig& config() const { return client_.config(); }
  bool failed() const { return failed_; }

 private:
  otlp::OtlpHttpClient& client_;
  SignalTally traces_;
  SignalTally logs_;
  bool failed_ = false;
};

// The test folders of one execution, by name.
std::vector<fs::path> test_dirs(const fs::path& execution_dir) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(execution_dir / "tests", ec)) {
    if (entry.is_directory(ec)) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

// "http://h:4318" when both signals go to its v1/ paths, else both URLs.
std::string destination(const otlp::ExporterConfig& config) {
  const std::string traces_suffix = "/v1/traces";
  const std::string& traces = config.traces.url;
  if (traces.size() > traces_suffix.size() && traces.ends_with(traces_suffix)) {
    std::string base = traces.substr(0, traces.size() - traces_suffix.size());
    if (config.logs.url == base + "/v1/logs") return base;
  }
  return traces + " and " + config.logs.url;
}

std::string service_name_of(const analysis::ArtifactTree& tree) {
  return tree.program.empty() ? std::string("unknown_service") : tree.program;
}

// The runner's spans from OUT/testscope-run.json (none when OUT has no manifest, or its
// manifest no trace); a manifest that cannot be read is reported and counted in `bad_input`.
ResourceItems read_run_spans(const fs::path& out, const analysis::ArtifactTree& tree,
                             const std::vector<otlp::KeyValue>& attributes, std::size_t& bad_input) {
  const fs::path path = out / analysis::kRunManifestFile;
  std::error_code ec;
  if (!fs::exists(path, ec)) return {};
  try {
    std::string error;
    const std::optional<std::string> text = analysis::read_artifact_file(path, &error);
    if (!text) throw std::runtime_error(error);
    return run_spans_payload(analysis::parse_run_manifest(*text), attributes, service_name_of(tree));
  } catch (const std::exception& e) {
    fmt::print(stderr, "testscope: {}: {} (the run's own spans are not sent)\n", path.string(), e.what());
    ++bad_input;
    return {};
  }
}

// Batches what stream_test_payload() reads and sends each batch as soon as it is complete,
// so that no more than one batch per signal is held; prints each file (or line) that could
// not be used.
class BatchingSink : public PayloadSink {
 public:
  explicit BatchingSink(Sender& sender)
      : sender_(sender),
        traces_(Signal::kTraces, sender.config().max_body_bytes),
        logs_(Signal::kLogs, sender.config().max_body_bytes) {}

  bool spans_checked(std::size_t spans) override {
    sender_.tally(Signal::kTraces).read += spans;
    return !sender_.failed();  // after a failure nothing more is sent: no need to read them
  }
  void begin(Signal signal, const std::string& resource_json, const std::string& scope_json) override {
    builder(signal).begin(resource_json, scope_json);
  }
  void item(Signal signal, std::string item) override {
    if (signal == Signal::kLogs) ++sender_.tally(Signal::kLogs).read;
    if (std::optional<otlp::Batch> batch = builder(signal).add_item(item)) sender_.send(signal, *batch);
  }
  void problem(analysis::Problem problem) override {
    fmt::print(stderr, "testscope: {}: {} (skipped)\n", problem.path.string(), problem.message);
    ++bad_input_;
  }

  // Sends `items` of one resource and scope (the run's own spans).
  void send_all(Signal signal, const ResourceItems& entry) {
    sender_.tally(signal).read += entry.items.size();
    sender_.send(signal, builder(signal).add(entry.resource_json, entry.scope_json, entry.items));
  }
  // Sends what is left in the open batches.
  void finish() {
    if (auto batch = traces_.finish()) sender_.send(Signal::kTraces, *batch);
    if (auto batch = logs_.finish()) sender_.send(Signal::kLogs, *batch);
  }
  std::size_t bad_input() const { return bad_input_; }

 private:
  otlp::BatchBuilder& builder(Signal signal) { return signal == Signal::kTraces ? traces_ : logs_; }

  Sender& sender_;
  otlp::BatchBuilder traces_;
  otlp::BatchBuilder logs_;
  std::size_t bad_input_ = 0;
};

// Sends `run_spans`, then reads every test folder of every execution in `tree`, batching
// and sending as it goes. Returns how many files (or lines) could not be used.
std::size_t send_tree(const analysis::ArtifactTree& tree, const ResourceItems& run_spans,
                      const std::vector<otlp::KeyValue>& attributes, Sender& sender) {
  const std::string service_name = service_name_of(tree);
  BatchingSink sink(sender);
  if (!run_spans.items.empty()) sink.send_all(Signal::kTraces, run_spans);
  for (const analysis::Execution& execution : tree.executions) {
    const fs::path dir = execution.dir.empty() ? tree.root : tree.root / execution.dir;
    for (const fs::path& test_dir : test_dirs(dir)) {
      stream_test_payload(test_dir, attributes, service_name, sink);
    }
  }
  sink.finish();
  return sink.bad_input();
}

// nullopt after printing why the configuration is unusable.
}  // namespace

std::optional<OtlpSetup> otlp_setup(const std::string& url) {
  const otlp::Environment env = otlp::process_environment();
  otlp::ExporterConfigResult configured = otlp::exporter_config_from_environment(
      env, url.empty() ? std::nullopt : std::optional<std::string>(url));
  std::vector<std::string> warnings = std::move(configured.warnings);
  OtlpSetup setup;
  setup.attributes = otlp::resource_attributes_from_environment(env, &warnings);
  for (const std::string& warning : warnings) fmt::print(stderr, "testscope: warning: {}\n", warning);
  if (!configured.error.empty()) {
    fmt::print(stderr, "testscope export: {}\n", configured.error);
    return std::nullopt;
  }
  setup.config = std::move(configured.config);
  setup.config.user_agent = "testscope/" TESTSCOPE_VERSION;
  return setup;
}

// Sends the tree's spans and log records; returns export's exit code for them.
int send_otlp(const fs::path& out, const analysis::ArtifactTree& tree, const OtlpSetup& setup,
              std::FILE* status) {
  otlp::OtlpHttpClient client(setup.config);
  Sender sender(client);
  std::size_t bad_input = 0;
  const ResourceItems run_spans = read_run_spans(out, tree, setup.attributes, bad_input);
  bad_input += send_tree(tree, run_spans, setup.attributes, sender);

  const SignalTally& t = sender.tally(Signal::kTraces);
  const SignalTally& l = sender.tally(Signal::kLogs);
  const std::size_t not_sent = (t.read - t.sent - t.rejected) + (l.read - l.sent - l.rejected);
  fmt::print(status, "testscope export: {} and {} sent to {} in {}; {} rejected, {} not sent, {} skipped\n",
             plural(t.sent, "span", "spans"), plural(l.sent, "log record", "log records"),
             destination(client.config()), plural(t.batches + l.batches, "batch", "batches"),
             t.rejected + l.rejected, not_sent, plural(bad_input, "bad file or line", "bad files or lines"));
  if (sender.failed() || not_sent > 0) return kExitUnreachable;
  if (t.rejected + l.rejected > 0) return kExitRejected;
  if (t.read + l.read == 0 && bad_input > 0) return kExitUsage;
  return kExitSent;
}

}  // namespace testscope::exporting
