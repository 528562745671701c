// testscope's flags (in a front's spelling) and TESTSCOPE_* environment variables: one
// parser for every front.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "otlp_http/exporter_config.hpp"
#include "testscope/harness.hpp"
#include "testscope/metrics_endpoint.hpp"
#include "testscope/pushgateway.hpp"

namespace testscope {
namespace {

// Each setting's name (as spelled after "--testscope_"), its environment variable, and the
// value shown in the list of known flags.
struct Setting {
  std::string_view name;
  const char* env;
  std::string_view value_hint;
};
constexpr std::array<Setting, 7> kSettings = {{
    {"artifacts", "TESTSCOPE_ARTIFACTS", "=DIR"},
    {"console", "TESTSCOPE_CONSOLE", "=never|failed|always"},
    {"metrics_filter", "TESTSCOPE_METRICS_FILTER", "=PREFIX"},
    {"metrics_port", "TESTSCOPE_METRICS_PORT", "=[HOST:]PORT"},
    {"otlp", "TESTSCOPE_OTLP", "[=URL]"},
    {"pushgateway", "TESTSCOPE_PUSHGATEWAY", "=URL"},
    {"quarantine", "TESTSCOPE_QUARANTINE", "=FILE"},
}};
constexpr const char* kShardEnv = "TESTSCOPE_SHARD";
constexpr const char* kShuffleSeedEnv = "TESTSCOPE_SHUFFLE_SEED";

// "--testscope_" or "--testscope-" followed by `name` in the style's spelling.
std::string spell(FlagStyle style, std::string_view name) {
  std::string flag = style == FlagStyle::kDash ? "--testscope-" : "--testscope_";
  for (const char c : name) flag += style == FlagStyle::kDash && c == '_' ? '-' : c;
  return flag;
}

std::string known_flags(FlagStyle style) {
  std::string list;
  for (const Setting& s : kSettings) {
    if (!list.empty()) list += ", ";
    list += spell(style, s.name);
    list += s.value_hint;
  }
  return list;
}

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

// otlp[=URL]: on (the endpoint from OTEL_EXPORTER_OTLP_* when no URL), or off for an empty
// value, 0, off, false, no (a flag over a variable).
template <typename Warn>
void apply_otlp(SessionOptions& options, std::string_view value, std::string_view source, const Warn& warn) {
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

void apply(SessionOptions& options, std::string_view name, std::string_view value, std::string_view source,
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

// The setting a flag names in `style`'s spelling (the part between the prefix and any '='),
// or null.
const Setting* find_setting(FlagStyle style, std::string_view spelled_name) {
  const auto* const it = std::find_if(kSettings.begin(), kSettings.end(), [&](const Setting& s) {
    return std::string_view(spell(style, s.name)).substr(std::strlen("--testscope_")) == spelled_name;
  });
  return it == kSettings.end() ? nullptr : &*it;
}

// One --testscope_NAME[=VALUE] argument (or --testscope-NAME[=VALUE]).
void apply_flag(SessionOptions& options, FlagStyle style, std::string_view arg,
                std::vector<std::string>* warnings) {
  const std::string_view rest = arg.substr(std::strlen("--testscope_"));
  const std::size_t eq = rest.find('=');
  const Setting* setting = find_setting(style, rest.substr(0, eq));
  if (setting == nullptr) {
    if (warnings != nullptr) {
      warnings->push_back("unknown flag " + std::string(arg) + " (known: " + known_flags(style) + ")");
    }
  } else if (eq == std::string_view::npos && setting->name == "otlp") {
    apply_otlp(options, "on", arg, [](const std::string&) {});
  } else if (eq == std::string_view::npos) {
    if (warnings != nullptr) warnings->push_back(std::string(arg) + ": missing '=VALUE'; ignored");
  } else {
    apply(options, setting->name, rest.substr(eq + 1), spell(style, setting->name), warnings);
  }
}

// TESTSCOPE_SHARD and TESTSCOPE_SHUFFLE_SEED, set by `testscope run`, where `options` has none.
void apply_runner_environment(SessionOptions& options, std::vector<std::string>* warnings) {
  auto warn = [&](const std::string& text) {
    if (warnings != nullptr) warnings->push_back(text);
  };
  const char* env = std::getenv(kShardEnv);
  if (!options.shard && env != nullptr && *env != '\0') {
    options.shard = parse_shard(env);
    if (!options.shard) {
      warn(std::string(kShardEnv) + ": expected I/N with 1 <= I <= N <= " + std::to_string(kMaxShards) +
           ", got '" + env + "'; ignored, every test runs");
    }
  }
  env = std::getenv(kShuffleSeedEnv);
  if (!options.shuffle_seed && env != nullptr && *env != '\0') {
    options.shuffle_seed = parse_shuffle_seed(env);
    if (!options.shuffle_seed) {
      warn(std::string(kShuffleSeedEnv) +
           ": expected a decimal number from 0 to 18446744073709551615, got '" + env +
           "'; ignored, the tests run in their usual order");
    }
  }
}

// Decimal digits only, no more than `max`.
std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) noexcept {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (max - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

std::optional<std::uint64_t> parse_shuffle_seed(std::string_view text) noexcept {
  return parse_decimal(text, UINT64_MAX);
}

void read_runner_environment(SessionOptions& options, std::vector<std::string>* warnings) {
  try {
    apply_runner_environment(options, warnings);
  } catch (...) {
  }
}

SessionOptions parse_options(int* argc, char** argv, FlagStyle style, std::vector<std::string>* warnings) {
  SessionOptions options;
  try {
    for (const Setting& setting : kSettings) {
      if (const char* env = std::getenv(setting.env)) {
        apply(options, setting.name, env, setting.env, warnings);
      }
    }
    apply_runner_environment(options, warnings);
    if (argc == nullptr || argv == nullptr) return options;
    const std::string prefix = spell(style, "");
    int out = 1;
    for (int i = 1; i < *argc; ++i) {
      const std::string_view arg = argv[i] != nullptr ? argv[i] : "";
      if (arg.rfind(prefix, 0) != 0) {
        argv[out++] = argv[i];
        continue;
      }
      apply_flag(options, style, arg, warnings);
    }
    for (int i = out; i < *argc; ++i) argv[i] = nullptr;
    *argc = out;
  } catch (...) {
    if (warnings != nullptr) warnings->clear();
  }
  return options;
}

}  // namespace testscope
