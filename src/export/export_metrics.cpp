#include "export/export_metrics.hpp"

#include <fmt/format.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "analysis/verdicts.hpp"
#include "export/run_metrics.hpp"
#include "exporters/push_families.hpp"
#include "testscope/pushgateway.hpp"
#include "writers/file_io.hpp"

namespace testscope::exporting {
namespace {

constexpr int kExitDone = 0;
constexpr int kExitRejected = 1;
constexpr int kExitInput = 2;
constexpr int kExitUnreachable = 3;
constexpr auto kPushTimeout = std::chrono::seconds(30);

bool label_name(const std::string& name) {
  if (name.empty() || name.starts_with("__")) return false;
  const auto start = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  return start(name.front()) &&
         std::all_of(name.begin(), name.end(), [&](char c) { return start(c) || (c >= '0' && c <= '9'); });
}

// The grouping key actually used: `program=<program>` first unless given, then the user's.
std::vector<std::pair<std::string, std::string>> grouping_of(const MetricsDestination& d,
                                                             const analysis::ArtifactTree& tree) {
  std::vector<std::pair<std::string, std::string>> grouping;
  const bool has_program = std::any_of(d.grouping.begin(), d.grouping.end(),
                                       [](const auto& label) { return label.first == "program"; });
  if (!has_program) grouping.emplace_back("program", tree.program.empty() ? "unknown" : tree.program);
  grouping.insert(grouping.end(), d.grouping.begin(), d.grouping.end());
  return grouping;
}

std::string describe_group(const std::string& job,
                           const std::vector<std::pair<std::string, std::string>>& grouping) {
  std::string text = "job=" + job;
  for (const auto& [name, value] : grouping) text += fmt::format(", {}={}", name, value);
  return text;
}

}  // namespace

std::optional<MetricsDestination> metrics_destination(const ExportOptions& o, std::string& error) {
  if (o.pushgateway.empty() && o.prom_file.empty()) {
    if (!o.grouping.empty()) error = "--grouping needs --pushgateway URL";
    return std::nullopt;
  }
  MetricsDestination d;
  d.pushgateway = o.pushgateway;
  d.prom_file = o.prom_file;
  d.job = o.job;
  if (!d.pushgateway.empty()) {
    const std::string why = check_pushgateway_url(d.pushgateway);
    if (!why.empty()) {
      error = fmt::format("--pushgateway '{}': {}", d.pushgateway, why);
      return std::nullopt;
    }
  }
  if (!detail::plain_path_segment(d.job)) {
    error = fmt::format("--job '{}': a job name has letters, digits, '.', '-' and '_' only", d.job);
    return std::nullopt;
  }
  for (const std::string& given : o.grouping) {
    const auto equals = given.find('=');
    const std::string name = given.substr(0, equals);
    if (equals == std::string::npos || !label_name(name)) {
      error = fmt::format(
          "--grouping '{}': expected NAME=VALUE with NAME a label name ([a-zA-Z_][a-zA-Z0-9_]*, "
          "not starting with '__')",
          given);
      return std::nullopt;
    }
    if (name == "job") {
      error = fmt::format("--grouping '{}': the job is given by --job", given);
      return std::nullopt;
    }
    if (std::any_of(d.grouping.begin(), d.grouping.end(),
                    [&](const auto& label) { return label.first == name; })) {
      error = fmt::format("--grouping '{}': '{}' is given twice", given, name);
      return std::nullopt;
    }
    d.grouping.emplace_back(name, given.substr(equals + 1));
  }
  return d;
}

int export_metrics(const MetricsDestination& d, const analysis::ArtifactTree& tree, std::FILE* status) {
  const auto grouping = grouping_of(d, tree);
  RunMetricsOptions options;
  options.reserved_labels = {"job", "instance"};
  for (const auto& [name, value] : grouping) options.reserved_labels.push_back(name);
  RunMetrics metrics = aggregate_run_metrics(tree, analysis::compute_verdicts(tree), options);
  for (const analysis::Problem& problem : metrics.problems) {
    fmt::print(stderr, "testscope: {}: {} (skipped)\n", (tree.root / problem.path).string(), problem.message);
  }
  std::size_t series = 0;
  for (const auto& family : metrics.families) series += family.metric.size();
  const std::string counted =
      fmt::format("{} series ({} from {} metrics.prom files, {} of testscope's)", series, metrics.test_series,
                  metrics.files, series - metrics.test_series);
  const std::string skipped =
      metrics.problems.empty() ? std::string()
                               : fmt::format("; {} bad files or families skipped", metrics.problems.size());

  int code = kExitDone;
  if (!d.prom_file.empty()) {
    const std::string text = prometheus::TextSerializer().Serialize(metrics.families);
    if (d.prom_file == "-") {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      // The summary line the docs promise, on stderr (`status`), where it cannot mix with them.
      fmt::print(status, "testscope export: {} written to standard output{}\n", counted, skipped);
    } else if (const std::string error = detail::write_file_atomic(d.prom_file, text); !error.empty()) {
      // Through a temporary file and a rename: a textfile collector never reads half of it.
      fmt::print(stderr, "testscope export: {}\n", error);
      code = kExitInput;
    } else {
      fmt::print(status, "testscope export: {} written to {}{}\n", counted, d.prom_file, skipped);
    }
  }
  if (!d.pushgateway.empty()) {
    const detail::PushResult pushed =
        detail::push_families(d.pushgateway, d.job, grouping, metrics.families, kPushTimeout);
    switch (pushed.status) {
      case detail::PushStatus::kAccepted:
        fmt::print(status, "testscope export: {} pushed to {} as {}{}\n", counted, d.pushgateway,
                   describe_group(d.job, grouping), skipped);
        break;
      case detail::PushStatus::kRejected:
        fmt::print(stderr,
                   "testscope export: {}: the metrics clash with what another group holds (a name with "
                   "another type, "
                   "say) or are invalid; nothing was pushed\n",
                   pushed.message);
        code = std::max(code, kExitRejected);
        break;
      case detail::PushStatus::kUnreachable:
        fmt::print(stderr, "testscope export: {}; the metrics were not pushed\n", pushed.message);
        code = kExitUnreachable;
        break;
    }
  }
  return code;
}

}  // namespace testscope::exporting
