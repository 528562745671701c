// --testscope_* flags and TESTSCOPE_* environment variables.
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "testscope/gtest.hpp"

namespace testscope::gtest {
namespace {

constexpr std::string_view kPrefix = "--testscope_";

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
  }
}

}  // namespace

Options parse_options(int* argc, char** argv, std::vector<std::string>* warnings) {
  Options options;
  try {
    if (const char* env = std::getenv("TESTSCOPE_ARTIFACTS")) {
      apply(options, "artifacts", env, "TESTSCOPE_ARTIFACTS", warnings);
    }
    if (const char* env = std::getenv("TESTSCOPE_CONSOLE")) {
      apply(options, "console", env, "TESTSCOPE_CONSOLE", warnings);
    }
    if (argc == nullptr || argv == nullptr) return options;
    int out = 1;
    for (int i = 1; i < *argc; ++i) {
      const std::string_view arg = argv[i] != nullptr ? argv[i] : "";
      if (arg.rfind(kPrefix, 0) != 0) {
        argv[out++] = argv[i];
        continue;
      }
      const std::string_view rest = arg.substr(kPrefix.size());
      const std::size_t eq = rest.find('=');
      const std::string_view name = rest.substr(0, eq);
      if (name != "artifacts" && name != "console") {
        if (warnings != nullptr) {
          warnings->push_back("unknown flag " + std::string(arg) +
                              " (known: --testscope_artifacts=DIR, --testscope_console=never|failed|always)");
        }
        continue;
      }
      if (eq == std::string_view::npos) {
        if (warnings != nullptr) warnings->push_back(std::string(arg) + ": missing '=VALUE'; ignored");
        continue;
      }
      apply(options, name, rest.substr(eq + 1), "--testscope_" + std::string(name), warnings);
    }
    for (int i = out; i < *argc; ++i) argv[i] = nullptr;
    *argc = out;
  } catch (...) {
    if (warnings != nullptr) warnings->clear();
  }
  return options;
}

}  // namespace testscope::gtest
