// The traces-and-logs half of `testscope export`: an artifact tree's spans and log records
// sent to an OTLP/HTTP endpoint (docs/export.md), in batches under the size limit, with the
// specification's retry rules (otlp_http). Reads the tree only.
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "analysis/artifact_tree.hpp"
#include "otel_env/key_value_list.hpp"
#include "otlp_http/exporter_config.hpp"

namespace testscope::exporting {

// export's exit codes (docs/cli.md).
inline constexpr int kExitSent = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

// The OTLP side, configured from the environment and --otlp's URL. Plain data.
struct OtlpSetup {
  otlp::ExporterConfig config;
  std::vector<otlp::KeyValue> attributes;  // the resource's, from the environment
};

// The configuration for `url` ("" for the environment's or the default endpoint); nullopt
// after printing to stderr why it is unusable.
std::optional<OtlpSetup> otlp_setup(const std::string& url);

// Sends the spans and log records of `tree` (loaded from `out`), with the run's own spans,
// printing the outcome to `status` and each problem to stderr. Returns export's exit code:
// 0 all sent, 1 some rejected, 2 nothing readable, 3 the endpoint unreachable or refusing.
int send_otlp(const std::filesystem::path& out, const analysis::ArtifactTree& tree, const OtlpSetup& setup,
              std::FILE* status);

}  // namespace testscope::exporting
