// --testscope_* flags and TESTSCOPE_* environment variables.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "otlp_http/exporter_config.hpp"
#include "testscope/gtest.hpp"
#include "testscope/metrics_endpoint.hpp"
#include "testscope/pushgateway.hpp"

namespace testscope::gtest {
namespace {

constexpr std::string_view kPrefix = "--testscope_";

// Each flag's name after "--testscope_", and its environment variable.
struct Setting {
  std::string_view name;
  const char* env;
};
constexpr std::array<Setting, 7> kSettings = {{
    {"artifacts", "TESTSCOPE_ARTIFACTS"},
    {"console", "TESTSCOPE_CONSOLE"},
    {"metrics_filter", "TESTSCOPE_METRICS_FILTER"},
    {"metrics_port", "TESTSCOPE_METRICS_PORT"},
    {"otlp", "TESTSCOPE_OTLP"},
    {"pushgateway", "TESTSCOPE_PUSHGATEWAY"},
    {"quarantine", "TESTSCOPE_QUARANTINE"},
}};
constexpr std::string_view kKnownFlags =
    "--testscope_artifacts=DIR, --testscope_console=never|failed|always, --testscope_metrics_filter=PREFIX, "
    "--testscope_metrics_port=[HOST:]PORT, --testscope_otlp[=URL], --testscope_pushgateway=URL, "
    "--testscope_quarantine=FILE";

bool parse_console(std::string_view text, ConsoleMode& mode) {
  if (text == "never") {
    mode = ConsoleMode::kNever;
  } else if (text == "failed") {
    mode = ConsoleMode::kFailed;
  } else if (text == "always") {
    mode = ConsoleMode::kAlways;
  } else {
    return false;
  }
  return true;
}

// --testscope_otlp[=URL]: on (the endpoint from OTEL_EXPORTER_OTLP_* when no URL), or
// off for an empty value, 0, off, false, no (a flag over a variable).
template <typename Warn>
void apply_otlp(Options& options, std::string_view value, std::string_view source, const Warn& warn) {
  options.otlp_endpoint.clear();
  if (value.empty() || value == "0" || value == "off" || value == "false" || value == "no") {
    options.otlp = false;
    return;
  }
  options.otlp = true;
  if (value == "1" || value == "on" || value == "true" || value == "yes") return;
  if (const std::string error = otlp::check_endpoint_url(value); !error.empty()) {
    warn(std::string(source) + ": '" + std::string(value) + "': " + error + "; no live export");
    options.otlp = false;
    return;
  }
  options.otlp_endpoint = std::string(value);
}

void apply(Options& options, std::string_view name, std::string_view value, std::string_view source,
           std::vector<std::string>* warnings) {
  auto warn = [&](const std::string& text) {
    if (warnings != nullptr) warnings->push_back(text);
  };
  if (name == "artifacts") {
    if (value.empty()) {
      warn(std::string(source) + ": empty folder name; artifacts are not written");
    }
    options.artifacts_dir = std::string(value);
  } else if (name == "console") {
    if (!parse_console(value, options.console)) {
      warn(std::string(source) + ": expected never, failed or always, got '" + std::string(value) +
           "'; using failed");
      options.console = ConsoleMode::kFailed;
    }
  } else if (name == "quarantine") {
    options.quarantine_file = std::string(value);
  } else if (name == "otlp") {
    apply_otlp(options, value, source, warn);
  } else if (name == "metrics_filter") {
    options.metrics_filter = std::string(value);
  } else if (value.empty()) {  // metrics_port, pushgateway: empty turns them off (a flag over a variable)
    (name == "metrics_port" ? options.metrics_address : options.pushgateway_url).clear();
  } else if (name == "metrics_port") {
    std::string error;
    options.metrics_address = parse_listen_address(value, &error);
    if (options.metrics_address.empty()) warn(std::string(source) + ": " + error + "; no metrics endpoint");
  } else if (name == "pushgateway") {
    const std::string error = check_pushgateway_url(value);
    options.pushgateway_url = error.empty() ? std::string(value) : std::string();
    if (!error.empty()) warn(std::string(source) + ": '" + std::string(value) + "': " + error + "; no push");
  }
}

bool known(std::string_view name) {
  return std::any_of(kSettings.begin(), kSettings.end(), [name](const Setting& s) { return s.name == name; });
}

// One --testscope_NAME[=VALUE] argument.
void apply_flag(Options& options, std::string_view arg, std::vector<std::string>* warnings) {
  const std::string_view rest = arg.substr(kPrefix.size());
  const std::size_t eq = rest.find('=');
  const std::string_view name = rest.substr(0, eq);
  if (!known(name)) {
    if (warnings != nullptr) {
      warnings->push_back("unknown flag " + std::string(arg) + " (known: " + std::string(kKnownFlags) + ")");
    }
  } else if (eq == std::string_view::npos && name == "otlp") {
    apply_otlp(options, "on", arg, [](const std::string&) {});
  } else if (eq == std::string_view::npos) {
    if (warnings != nullptr) warnings->push_back(std::string(arg) + ": missing '=VALUE'; ignored");
  } else {
    apply(options, name, rest.substr(eq + 1), "--testscope_" + std::string(name), warnings);
  }
}

}  // namespace

Options parse_options(int* argc, char** argv, std::vector<std::string>* warnings) {
  Options options;
  try {
    for (const Setting& setting : kSettings) {
      if (const char* env = std::getenv(setting.env)) {
        apply(options, setting.name, env, setting.env, warnings);
      }
    }
    if (argc == nullptr || argv == nullptr) return options;
    int out = 1;
    for (int i = 1; i < *argc; ++i) {
      const std::string_view arg = argv[i] != nullptr ? argv[i] : "";
      if (arg.rfind(kPrefix, 0) != 0) {
        argv[out++] = argv[i];
        continue;
      }
      apply_flag(options, arg, warnings);
    }
    for (int i = out; i < *argc; ++i) argv[i] = nullptr;
    *argc = out;
  } catch (...) {
    if (warnings != nullptr) warnings->clear();
  }
  return options;
}

}  // namespace testscope::gtest
