// What the Catch2 front's tests share: a scratch folder per test, catch2_fixture run as a
// process (tests/gtest/subprocess.hpp), its artifact tree read back, a quarantine entry, and
// the line of a statement in the fixture's source (so that file:line checks stay exact).
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "subprocess.hpp"
#include "testscope/quarantine.hpp"

namespace testscope::catch2_test {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::ProcessResult;
using testing_support::run_process;
using testing_support::slurp;

inline json read_json(const fs::path& path) { return json::parse(slurp(path)); }

// Every test folder under root/tests, keyed by the real full name in its summary.json.
inline std::map<std::string, fs::path> tests_by_name(const fs::path& root) {
  std::map<std::string, fs::path> out;
  if (!fs::exists(root / "tests")) return out;
  for (const auto& entry : fs::directory_iterator(root / "tests")) {
    out[read_json(entry.path() / "summary.json")["test"]["full_name"].get<std::string>()] = entry.path();
  }
  return out;
}

// The full names of a tree's tests in the order they started (summary.json's start_unix_ns).
inline std::vector<std::string> names_in_start_order(const fs::path& root) {
  std::vector<std::pair<std::int64_t, std::string>> started;
  for (const auto& [name, dir] : tests_by_name(root)) {
    started.emplace_back(read_json(dir / "summary.json")["start_unix_ns"].get<std::int64_t>(), name);
  }
  std::sort(started.begin(), started.end());
  std::vector<std::string> names;
  names.reserve(started.size());
  for (const auto& entry : started) names.push_back(entry.second);
  return names;
}

// The 1-based line of catch2_fixture.cpp holding `text`, 0 if none.
inline int fixture_line(const std::string& text) {
  std::istringstream lines(slurp(CATCH2_FIXTURE_SOURCE));
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    if (line.find(text) != std::string::npos) return number;
  }
  return 0;
}

// One [[quarantine]] block for `test`, expiring in 30 days.
inline std::string quarantine_entry(const std::string& test, const std::string& mode) {
  const quarantine::Date today = quarantine::Date::today();
  return "[[quarantine]]\ntest = \"" + test +
         "\"\nreason = \"flaky, see #7\"\nowner = \"bob\"\nadded = " + today.plus_days(-10).to_string() +
         "\nexpires = " + today.plus_days(30).to_string() + "\nmode = \"" + mode + "\"\n\n";
}

// The fixture's test cases a plain run runs (the hidden ones, [twins] and [abort], aside), in
// declaration order, by full name.
inline const std::vector<std::string>& visible_tests() {
  static const std::vector<std::string> kNames = {
      "catch2_fixture.passes",
      "catch2_fixture.fails after a span",
      "catch2_fixture.throws",
      "catch2_fixture.threads",
      "catch2_fixture.sections and generators",
      "catch2_fixture.fails in a section",
      R"(catch2_fixture.a/../weird, "name" \ with [brackets])",
  };
  return kNames;
}

// Catch2's own order for `--order rand --rng-seed seed`, as full names (its listing follows it).
inline std::vector<std::string> catch2_random_order(const std::string& seed) {
  const ProcessResult listed =
      run_process({CATCH2_FIXTURE, "--list-test-names-only", "--order", "rand", "--rng-seed", seed});
  std::vector<std::string> names;
  std::istringstream lines(listed.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) names.push_back("catch2_fixture." + line);
  }
  return names;
}

// A scratch folder per test, removed after it.
class Catch2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("catch2_test_" + std::to_string(getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // catch2_fixture with `args`, and `env` added to the environment (minus TESTSCOPE_*).
  static ProcessResult fixture(const std::vector<std::string>& args,
                               const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv = {CATCH2_FIXTURE};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, env);
  }

  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

}  // namespace testscope::catch2_test
