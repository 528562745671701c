// Artifact trees for the rules tests, written the way a real `testscope run` writes them:
// <root>/runs/<n>/run.json and <root>/runs/<n>/tests/<id>/{summary.json,metrics.prom}, in the
// formats of docs/artifacts.md (summary.json with every field; metrics.prom as prometheus-cpp's
// TextSerializer writes it, with testscope's comment line). Internal to tests/rules/.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace rules_test {

namespace fs = std::filesystem;
using nlohmann::json;

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// The metrics.prom of a promo test that counted `ok` and `limit` uses of SUMMER20 (series
// that did not change are left out, as testscope writes them).
inline std::string promo_metrics(const std::string& test, int ok, int limit) {
  std::string text = "# testscope: metric changes during " + test +
                     ": counters, histograms and summaries as increases, gauges as values at the end\n";
  if (ok == 0 && limit == 0) return text;
  text += "# HELP promo_uses_total Promo code usage attempts\n# TYPE promo_uses_total counter\n";
  if (limit != 0) {
    text += R"(promo_uses_total{promo_code="SUMMER20",status="limit"} )" + std::to_string(limit) + "\n";
  }
  if (ok != 0) text += R"(promo_uses_total{promo_code="SUMMER20",status="ok"} )" + std::to_string(ok) + "\n";
  return text;
}

// One test's attempt in one execution.
struct Attempt {
  std::string outcome = "pass";        // pass | fail | skip | crash | timeout
  std::int64_t duration_ns = 2000000;  // 2 ms
  std::string metrics;                 // metrics.prom; "" writes only the comment line
};

// Builds a tree under `root`: add attempts, then write().
class FixtureTree {
 public:
  explicit FixtureTree(fs::path root) : root_(std::move(root)) {}

  void add(int execution, const std::string& full_name, Attempt attempt) {
    executions_[execution][full_name] = std::move(attempt);
  }
  // `name` in executions 1..n, failing in `failing`, with `metrics(n)` as its metrics.prom.
  template <typename Metrics>
  void add_series(const std::string& name, int n, const std::vector<int>& failing, Metrics metrics,
                  std::int64_t duration_ns = 2000000) {
    for (int e = 1; e <= n; ++e) {
      const bool fails = std::find(failing.begin(), failing.end(), e) != failing.end();
      add(e, name, {fails ? "fail" : "pass", duration_ns, metrics(e)});
    }
  }
  void add_series(const std::string& name, int n, const std::vector<int>& failing = {}) {
    add_series(name, n, failing, [&](int) { return std::string(); });
  }
  // Every run of test `name` ran under the quarantine entry `entry` (a name or pattern)
  // expiring on `expires`, as the test program records it in summary.json.
  void quarantine(const std::string& name, const std::string& entry, const std::string& expires) {
    quarantined_[name] = {{"entry", entry},     {"reason", "race, see #1"}, {"owner", "alice"},
                          {"expires", expires}, {"file", "q.toml"},         {"line", 2}};
  }

  const fs::path& write() const {
    constexpr std::int64_t kT0 = 1700000000000000000;
    for (const auto& [n, tests] : executions_) {
      const fs::path run = root_ / "runs" / std::to_string(n);
      int failed = 0;
      for (const auto& [name, a] : tests) {
        const std::string suite = name.substr(0, name.find('.'));
        const std::string id = name;  // the fixtures use names that are safe folder names
        json failures = json::array();
        if (a.outcome == "fail") {
          ++failed;
          failures.push_back(
              {{"file", "promo_tests.cpp"},
               {"line", 85},
               {"fatal", false},
               {"message", "Expected equality of these values:\n  successes\n    Which is: 2\n  1"},
               {"time_unix_ns", kT0 + n}});
        }
        const json summary = {
            {"schema", 1},
            {"testscope_version", "0.1.0"},
            {"id", id},
            {"test",
             {{"full_name", name},
              {"suite", suite},
              {"name", name.substr(name.find('.') + 1)},
              {"type_param", ""},
              {"value_param", ""},
              {"file", "promo_tests.cpp"},
              {"line", 82}}},
            {"outcome", a.outcome},
            {"quarantine", quarantined_.contains(name) ? quarantined_.at(name) : json(nullptr)},
            {"start_unix_ns", kT0 + n * 1000000000LL},
            {"end_unix_ns", kT0 + n * 1000000000LL + a.duration_ns},
            {"duration_ns", a.duration_ns},
            {"trace_id", "f260af553a3128e6eea69482dd90a61f"},
            {"root_span_id", "bd38a04f7f255967"},
            {"failures", failures},
            {"counts",
             {{"spans", 1},
              {"events", 0},
              {"threads", 1},
              {"unfinished_spans", 0},
              {"logs", 0},
              {"dropped_records", 0},
              {"orphan_records", 0}}},
            {"metrics", json::array()},
            {"threads", json::array({{{"index", 1}, {"os_tid", 100}, {"name", "promo_tests"}}})},
            {"artifacts",
             {{"otlp", "trace.otlp.json"},
              {"chrome", "trace.chrome.json"},
              {"logs", "logs.jsonl"},
              {"metrics", "metrics.prom"}}}};
        const fs::path dir = run / "tests" / id;
        write_file(dir / "metrics.prom",
                   a.metrics.empty()
                       ? "# testscope: metric changes during " + name +
                             ": counters, histograms and summaries as increases, gauges as values at "
                             "the end\n"
                       : a.metrics);
        write_file(dir / "summary.json", summary.dump());
      }
      const json run_json = {{"schema", 1},
                             {"testscope_version", "0.1.0"},
                             {"framework", "googletest"},
                             {"argv", {"./promo_tests"}},
                             {"host", "ci"},
                             {"pid", 1000 + n},
                             {"start_unix_ns", kT0 + n * 1000000000LL},
                             {"end_unix_ns", kT0 + n * 1000000000LL + 900000000LL},
                             {"random_seed", n},
                             {"chaos", nullptr},
                             {"exit_status", failed > 0 ? 1 : 0},
                             {"tests", {{"run", tests.size()}, {"failed", failed}, {"skipped", 0}}},
                             {"traceparent", nullptr}};
      write_file(run / "run.json", run_json.dump());
    }
    return root_;
  }

 private:
  static void write_file(const fs::path& path, const std::string& text) { rules_test::write(path, text); }

  fs::path root_;
  std::map<int, std::map<std::string, Attempt>> executions_;
  std::map<std::string, json> quarantined_;  // summary.json "quarantine" by test name
};

// A fresh folder under the temporary directory per test, removed afterwards.
class ScratchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / (std::string("rules_") + info->test_suite_name() + "_" + info->name() +
                                        "_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path path(const std::string& name) const { return dir_ / name; }

 private:
  fs::path dir_;
};

}  // namespace rules_test
