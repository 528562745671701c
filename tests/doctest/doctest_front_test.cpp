// The doctest front end to end: doctest_fixture run as a process, its artifact tree read back
// and checked strictly (summary.json field by field, OTLP with the official protobuf
// definitions, metrics.prom with promtool, the Chrome trace as JSON), the timeline under
// doctest's failure output, subcase ids, flags, colour and the quarantine.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "promtool.hpp"
#include "subprocess.hpp"
#include "testscope/artifacts.hpp"
#include "testscope/quarantine.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::ProcessResult;
using testing_support::run_process;
using testing_support::slurp;

// Every test case doctest_fixture runs (not "Fixture.never runs", marked doctest::skip()).
const std::set<std::string>& all_tests() {
  static const std::set<std::string> kNames = {"Fixture.passes",
                                               "Fixture.fails after a span",
                                               "Fixture.throws",
                                               "Fixture.threads",
                                               "Fixture.subcases/../escape",
                                               "Fixture.aborts when asked",
                                               "Fixture.typed<int>",
                                               "Fixture.typed<double>",
                                               "Fixture.messages",
                                               "doctest_fixture.outside any suite"};
  return kNames;
}

// The 1-based line of the first line of doctest_fixture.cpp that contains `text`.
int fixture_line(const std::string& text) {
  std::istringstream source(slurp(DOCTEST_FIXTURE_SOURCE));
  int number = 0;
  for (std::string line; std::getline(source, line);) {
    ++number;
    if (line.find(text) != std::string::npos) return number;
  }
  ADD_FAILURE() << "no line with " << text;
  return -1;
}

class DoctestFront : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("doctest_front_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  const fs::path& dir() const { return dir_; }

  static json read_json(const fs::path& path) { return json::parse(slurp(path)); }

  // Every test folder under root/tests, keyed by the full name in its summary.json.
  static std::map<std::string, fs::path> tests_by_name(const fs::path& root) {
    std::map<std::string, fs::path> out;
    for (const auto& entry : fs::directory_iterator(root / "tests")) {
      out[read_json(entry.path() / "summary.json")["test"]["full_name"].get<std::string>()] = entry.path();
    }
    return out;
  }

  // A quarantine file with one entry for `test`, valid for 30 more days.
  fs::path quarantine(const std::string& test, const std::string& mode) const {
    const quarantine::Date today = quarantine::Date::today();
    fs::path path = dir_ / "quarantine.toml";
    std::ofstream(path) << "[[quarantine]]\ntest = \"" << test
                        << "\"\nreason = \"racy, see #7\"\nowner = \"bob\"\n"
                        << "added = " << today.plus_days(-1).to_string()
                        << "\nexpires = " << today.plus_days(30).to_string() << "\nmode = \"" << mode
                        << "\"\n";
    return path;
  }

 private:
  fs::path dir_;
};

// The span of `otlp` named `name`, or null.
const json* otlp_span(const json& otlp, const std::string& name) {
  for (const json& span : otlp["resourceSpans"][0]["scopeSpans"][0]["spans"]) {
    if (span["name"] == name) return &span;
  }
  return nullptr;
}

TEST_F(DoctestFront, WritesAStrictlyCheckedArtifactTree) {
  const fs::path out = dir() / "artifacts";
  const ProcessResult r = run_process({DOCTEST_FIXTURE, "--testscope-artifacts=" + out.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // three test cases fail
  EXPECT_TRUE(r.err.empty()) << r.err;

  const json run = read_json(out / "run.json");
  EXPECT_EQ(run["schema"], 1);
  EXPECT_EQ(run["framework"], "doctest");
  EXPECT_EQ(run["exit_status"], 1);
  EXPECT_EQ(run["random_seed"], 0);
  EXPECT_EQ(run["tests"], json::parse(R"({"run": 10, "failed": 3, "skipped": 0})"));
  EXPECT_EQ(run["argv"][1], "--testscope-artifacts=" + out.string());
  EXPECT_GT(run["end_unix_ns"].get<std::int64_t>(), run["start_unix_ns"].get<std::int64_t>());

  const auto tests = tests_by_name(out);
  std::set<std::string> names;
  for (const auto& [name, folder] : tests) {
    names.insert(name);
    EXPECT_EQ(folder.filename().string(), test_id(name));
    for (const char* file :
         {"summary.json", "trace.otlp.json", "trace.chrome.json", "metrics.prom", "logs.jsonl"}) {
      EXPECT_TRUE(fs::exists(folder / file)) << folder / file;
    }
    const testing_support::PromtoolResult promtool =
        testing_support::promtool_check_metrics(slurp(folder / "metrics.prom"));
    EXPECT_TRUE(promtool.passed) << name << ": " << promtool.output;
    const json chrome = read_json(folder / "trace.chrome.json");  // throws unless JSON
    ASSERT_TRUE(chrome["traceEvents"].is_array()) << name;
    EXPECT_FALSE(chrome["traceEvents"].empty()) << name;
  }
  EXPECT_EQ(names, all_tests());

  // summary.json of the failing test, field by field.
  const fs::path failing_dir = tests.at("Fixture.fails after a span");
  const json s = read_json(failing_dir / "summary.json");
  EXPECT_EQ(s["schema"], 1);
  EXPECT_EQ(s["id"], failing_dir.filename().string());
  EXPECT_EQ(s["test"]["full_name"], "Fixture.fails after a span");
  EXPECT_EQ(s["test"]["suite"], "Fixture");
  EXPECT_EQ(s["test"]["name"], "fails after a span");
  EXPECT_EQ(s["test"]["type_param"], "");
  EXPECT_EQ(s["test"]["value_param"], "");
  EXPECT_EQ(fs::path(s["test"]["file"].get<std::string>()).filename(), "doctest_fixture.cpp");
  EXPECT_EQ(s["test"]["line"], fixture_line("TEST_CASE(\"fails after a span\")"));
  EXPECT_EQ(s["outcome"], "fail");
  EXPECT_TRUE(s["quarantine"].is_null());
  EXPECT_EQ(s["duration_ns"].get<std::int64_t>(),
            s["end_unix_ns"].get<std::int64_t>() - s["start_unix_ns"].get<std::int64_t>());
  EXPECT_GT(s["duration_ns"].get<std::int64_t>(), 0);
  EXPECT_EQ(s["trace_id"].get<std::string>().size(), 32U);
  EXPECT_EQ(s["root_span_id"].get<std::string>().size(), 16U);
  ASSERT_EQ(s["failures"].size(), 1U);
  const json& failure = s["failures"][0];
  EXPECT_EQ(fs::path(failure["file"].get<std::string>()).filename(), "doctest_fixture.cpp");
  EXPECT_EQ(failure["line"], fixture_line("CHECK(uses == 1)"));
  EXPECT_EQ(failure["fatal"], false);
  EXPECT_EQ(
      failure["message"],
      "CHECK( uses == 1 ) is NOT correct!\n  values: CHECK( 2 == 1 )\n  logged: user u1 applied it too");
  EXPECT_GE(failure["time_unix_ns"].get<std::int64_t>(), s["start_unix_ns"].get<std::int64_t>());
  EXPECT_EQ(s["counts"], json::parse(R"({"spans": 2, "events": 1, "threads": 1, "unfinished_spans": 0,
                                         "logs": 0, "dropped_records": 0, "orphan_records": 0})"));
  EXPECT_EQ(s["metrics"], json::array());
  ASSERT_EQ(s["threads"].size(), 1U);
  EXPECT_EQ(s["artifacts"], json::parse(R"({"otlp": "trace.otlp.json", "chrome": "trace.chrome.json",
                                            "logs": "logs.jsonl", "metrics": "metrics.prom"})"));
  const json otlp = read_json(failing_dir / "trace.otlp.json");
  const json* root = otlp_span(otlp, "Fixture.fails after a span");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ((*root)["traceId"], s["trace_id"]);
  EXPECT_EQ((*root)["spanId"], s["root_span_id"]);
  EXPECT_EQ((*root)["status"]["code"], 2);
  ASSERT_EQ((*root)["events"].size(), 1U);
  EXPECT_EQ((*root)["events"][0]["name"], "exception");
  EXPECT_NE((*root)["events"][0].dump().find(R"("doctest.nonfatal_failure")"), std::string::npos)  // a CHECK
      << (*root)["events"][0].dump();
  const json* work = otlp_span(otlp, "failing_work");
  ASSERT_NE(work, nullptr);
  EXPECT_EQ((*work)["parentSpanId"], s["root_span_id"]);

  // The other outcomes and failures.
  EXPECT_EQ(read_json(tests.at("Fixture.passes") / "summary.json")["outcome"], "pass");
  EXPECT_NE(slurp(tests.at("Fixture.passes") / "metrics.prom")
                .find("doctest_fixture_promo_uses_total{promo_code=\"SUMMER20\",status=\"ok\"} 1"),
            std::string::npos);
  const json threw = read_json(tests.at("Fixture.throws") / "summary.json");
  EXPECT_EQ(threw["outcome"], "fail");
  ASSERT_EQ(threw["failures"].size(), 1U);
  EXPECT_EQ(threw["failures"][0]["message"], "test case THREW exception: boom from the test");
  EXPECT_EQ(threw["failures"][0]["line"], fixture_line("TEST_CASE(\"throws\")"));
  EXPECT_EQ(read_json(tests.at("Fixture.threads") / "summary.json")["counts"]["threads"], 2);
  const json typed = read_json(tests.at("Fixture.typed<int>") / "summary.json");
  EXPECT_EQ(typed["test"]["type_param"], "int");
  EXPECT_EQ(typed["outcome"], "pass");
  EXPECT_EQ(read_json(tests.at("doctest_fixture.outside any suite") / "summary.json")["test"]["suite"],
            "doctest_fixture");
  const json messages = read_json(tests.at("Fixture.messages") / "summary.json");
  EXPECT_EQ(messages["outcome"], "pass") << "MESSAGE and WARN do not fail a test";
  EXPECT_EQ(messages["counts"]["logs"], 2);
  const std::string logs = slurp(tests.at("Fixture.messages") / "logs.jsonl");
  EXPECT_NE(logs.find(R"("event":"doctest.message","fields":{"message":"hello from doctest")"),
            std::string::npos)
      << logs;
  EXPECT_NE(logs.find(R"("severity_text":"WARN","severity_number":13,"event":"doctest.warning")"),
            std::string::npos)
      << logs;

  // The official OTLP protobuf definitions, and the tree's completeness.
  const ProcessResult check = run_process({TESTSCOPE_PYTHON, OTLP_CHECK, "--tree", out.string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(DoctestFront, PrintsTheTimelineUnderDoctestsFailureOutput) {
  const ProcessResult r = run_process({DOCTEST_FIXTURE});
  const auto error = r.out.find("ERROR: CHECK( uses == 1 ) is NOT correct!");
  const auto timeline = r.out.find("testscope ▸ Fixture.fails after a span  FAIL");
  const auto next = r.out.find("TEST CASE:  throws");
  ASSERT_NE(error, std::string::npos) << r.out;
  ASSERT_NE(timeline, std::string::npos) << r.out;
  EXPECT_LT(error, timeline);
  EXPECT_LT(timeline, next) << "before the next test's output\n" << r.out;
  EXPECT_NE(r.out.find("failing_work  promo.code=SUMMER20", timeline), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("✗ failure at", timeline), std::string::npos) << r.out;
  EXPECT_LT(r.out.find("testscope ▸ Fixture.throws  FAIL"), r.out.find("[doctest] test cases:"))
      << "the last failure's timeline comes before doctest's summary";
  EXPECT_EQ(r.out.find("testscope ▸ Fixture.passes"), std::string::npos) << "passing tests stay quiet";
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << "no colour when stdout is not a terminal";
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(DoctestFront, DoctestsColourFlagsReachTheTimeline) {
  const auto timeline_of = [](const ProcessResult& r) {
    const auto at = r.out.find("Fixture.fails after a span");
    return at == std::string::npos ? std::string() : r.out.substr(r.out.rfind('\n', at), 300);
  };
  const ProcessResult forced = run_process({DOCTEST_FIXTURE, "-tc=fails*", "--force-colors"});
  const ProcessResult off = run_process({DOCTEST_FIXTURE, "-tc=fails*", "--force-colors", "-nc"});
  EXPECT_NE(timeline_of(forced).find("\x1b["), std::string::npos) << forced.out;
  EXPECT_FALSE(timeline_of(off).empty()) << off.out;
  EXPECT_EQ(off.out.find("\x1b["), std::string::npos) << off.out;
}

TEST_F(DoctestFront, SubcasesAreSpansOfTheirTestCaseWithAStableSafeId) {
  std::vector<std::set<std::string>> folders;
  for (int run = 0; run < 2; ++run) {
    const fs::path out = dir() / ("run" + std::to_string(run));
    run_process({DOCTEST_FIXTURE, "-tc=subcases*", "--testscope-artifacts=" + out.string()});
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(out / "tests")) {
      names.insert(entry.path().filename().string());
    }
    folders.push_back(names);
    // Nothing escaped the tree: run.json and tests/ only, one folder in tests/.
    std::set<std::string> top;
    for (const auto& entry : fs::directory_iterator(out)) top.insert(entry.path().filename().string());
    EXPECT_EQ(top, (std::set<std::string>{"run.json", "tests"}));
  }
  EXPECT_EQ(folders[0], folders[1]) << "the same id on every run";
  ASSERT_EQ(folders[0].size(), 1U);
  const std::string id = *folders[0].begin();
  EXPECT_EQ(id, test_id("Fixture.subcases/../escape"));
  EXPECT_EQ(id.find('/'), std::string::npos);
  EXPECT_NE(id.rfind("..", 0), 0U);

  const fs::path test_dir = dir() / "run0/tests" / id;
  const json summary = read_json(test_dir / "summary.json");
  EXPECT_EQ(summary["test"]["full_name"], "Fixture.subcases/../escape");
  EXPECT_EQ(summary["outcome"], "fail");
  ASSERT_EQ(summary["failures"].size(), 1U);
  EXPECT_EQ(summary["failures"][0]["message"],
            "REQUIRE( 1 == 2 ) is NOT correct!\n  values: REQUIRE( 1 == 2 )\n  in subcase: fails");
  EXPECT_EQ(summary["failures"][0]["fatal"], true);
  // doctest ran the test case three times (a/b > .., a/b > c, fails): each run's subcases are
  // spans, under the span open where they were entered, with the run's number.
  const json otlp = read_json(test_dir / "trace.otlp.json");
  std::map<std::string, std::vector<std::int64_t>> passes;  // subcase span name -> doctest.pass values
  std::map<std::string, std::string> span_names;            // span id -> name
  const json& spans = otlp["resourceSpans"][0]["scopeSpans"][0]["spans"];
  for (const json& span : spans) span_names[span["spanId"]] = span["name"];
  for (const json& span : spans) {
    for (const json& attribute : span["attributes"]) {
      if (attribute["key"] == "doctest.pass") {
        passes[span["name"]].push_back(std::stoll(attribute["value"]["intValue"].get<std::string>()));
        const std::string parent = span_names[span["parentSpanId"]];
        EXPECT_EQ(parent, span["name"] == "a/b" || span["name"] == "fails" ? "setup" : "in_a_b")
            << span.dump();
      }
    }
  }
  EXPECT_EQ(passes, (std::map<std::string, std::vector<std::int64_t>>{
                        {"a/b", {1, 2}}, {"..", {1}}, {"c", {2}}, {"fails", {3}}}));
}

TEST_F(DoctestFront, FlagsAndEnvironmentInDoctestsStyle) {
  const ProcessResult always = run_process({DOCTEST_FIXTURE, "-tc=passes", "--testscope-console=always"});
  EXPECT_NE(always.out.find("testscope ▸ Fixture.passes  PASS"), std::string::npos) << always.out;
  const ProcessResult env =
      run_process({DOCTEST_FIXTURE, "-tc=fails*"},
                  {"TESTSCOPE_CONSOLE=never", "TESTSCOPE_ARTIFACTS=" + (dir() / "env").string()});
  EXPECT_EQ(env.out.find("testscope ▸"), std::string::npos) << env.out;
  EXPECT_TRUE(fs::exists(dir() / "env/run.json"));
  const ProcessResult flag_wins =
      run_process({DOCTEST_FIXTURE, "-tc=passes", "--testscope-console=always"}, {"TESTSCOPE_CONSOLE=never"});
  EXPECT_NE(flag_wins.out.find("testscope ▸ Fixture.passes"), std::string::npos) << flag_wins.out;

  const ProcessResult bad =
      run_process({DOCTEST_FIXTURE, "-tc=fails*", "--testscope-console=loud", "--testscope-bogus=1"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--testscope-console: expected never, failed or always, got 'loud'"),
            std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("unknown flag --testscope-bogus=1"), std::string::npos) << bad.err;
  EXPECT_NE(bad.out.find("testscope ▸ Fixture.fails after a span"), std::string::npos)
      << "falls back to 'failed'";
}

TEST_F(DoctestFront, QuarantineRunModeShowsQuarantinedAndExitsZero) {
  const fs::path out = dir() / "artifacts";
  const ProcessResult r =
      run_process({DOCTEST_FIXTURE, "-tc=passes,fails*", "--testscope-console=never"},
                  {"TESTSCOPE_ARTIFACTS=" + out.string(),
                   "TESTSCOPE_QUARANTINE=" + quarantine("Fixture.fails*", "run").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto error = r.out.find("ERROR: CHECK( uses == 1 )");
  const auto quarantined =
      r.out.find("[QUARANTINED] Fixture.fails after a span: racy, see #7 (owner bob, until ");
  ASSERT_NE(error, std::string::npos) << r.out;
  ASSERT_NE(quarantined, std::string::npos) << r.out;
  EXPECT_LT(error, quarantined);
  EXPECT_NE(r.err.find("testscope: every failure was in a quarantined test; exit code 0"), std::string::npos)
      << r.err;
  const auto tests = tests_by_name(out);
  const json summary = read_json(tests.at("Fixture.fails after a span") / "summary.json");
  EXPECT_EQ(summary["outcome"], "fail");
  EXPECT_EQ(summary["quarantine"]["entry"], "Fixture.fails*");
  EXPECT_EQ(read_json(out / "run.json")["exit_status"], 0);

  // A failure outside the quarantine still fails the program.
  const ProcessResult other =
      run_process({DOCTEST_FIXTURE, "-tc=throws,fails*", "--testscope-console=never"},
                  {"TESTSCOPE_QUARANTINE=" + quarantine("Fixture.fails*", "run").string()});
  EXPECT_EQ(other.exit_code, 1) << other.out;
}

TEST_F(DoctestFront, QuarantineSkipModeKeepsTheTestFromRunning) {
  const fs::path out = dir() / "artifacts";
  const ProcessResult r =
      run_process({DOCTEST_FIXTURE, "-tc=passes,fails*,throws", "--testscope-artifacts=" + out.string(),
                   "--testscope-quarantine=" + quarantine("Fixture.*r*", "skip").string()});
  // The glob matches "fails after a span" and "throws": only "passes" runs.
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("fails after a span"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("test cases: 1 | 1 passed | 0 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("testscope: skipping quarantined 'Fixture.*r*' (racy, see #7; owner bob)"),
            std::string::npos)
      << r.err;
  const auto tests = tests_by_name(out);
  EXPECT_EQ(tests.size(), 1U);
  EXPECT_EQ(tests.count("Fixture.passes"), 1U);
}

}  // namespace
}  // namespace testscope
