// `testscope explain OUT [TEST...] [--top K] [--format text|json]`: what separates the
// failing executions of each flaky test from its passing ones (docs/explain.md).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "explain/explain.hpp"

namespace testscope::cli {

struct ExplainCommandOptions {
  std::string out;
  std::string format = "text";
  explain::ExplainOptions engine;
};

CLI::App* add_explain_command(CLI::App& app, ExplainCommandOptions& options);

// Exit codes: 0 explained (whatever was found), 2 a bad folder or a test not in it.
int explain_command(const ExplainCommandOptions& options);

}  // namespace testscope::cli
