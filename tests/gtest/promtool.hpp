// `promtool check metrics` (Prometheus' own linter for the text format) on a string.
// TESTSCOPE_PROMTOOL names the binary (Debian's prometheus package: /usr/bin/promtool).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "child_process.hpp"

namespace testscope::testing_support {

struct PromtoolResult {
  bool passed = false;
  std::string output;  // its findings, or why it could not run
};

// Fails the calling test (ADD_FAILURE) when promtool is missing: never a silent skip.
inline PromtoolResult promtool_check_metrics(const std::string& text) {
  PromtoolResult result;
  const std::string promtool = TESTSCOPE_PROMTOOL;
  if (!std::filesystem::exists(promtool)) {
    result.output = promtool + " not found: install Debian's prometheus package (scripts/bootstrap does)";
    ADD_FAILURE() << result.output;
    return result;
  }
  const auto path =
      std::filesystem::temp_directory_path() /
      ("testscope_promtool_" + std::to_string(getpid()) + "_" + std::to_string(std::rand()) + ".prom");
  std::ofstream(path, std::ios::binary) << text;
  ChildProcess child({promtool, "check", "metrics"}, {}, path.string());
  if (!child.started()) {
    result.output = child.error();
  } else if (!child.wait(std::chrono::seconds(30))) {
    result.output = "promtool did not finish within 30 s";
  } else {
    result.passed = child.exit_code() == 0;
    result.output = child.out() + child.err();
  }
  std::filesystem::remove(path);
  return result;
}

}  // namespace testscope::testing_support
