// src/catch2/listener.cpp through catch2_fixture run as a process: each test case's artifacts
// checked field by field and strictly (otlp_check.py with the official OTLP protobuf
// definitions, promtool, the Chrome trace parsed), the timeline under Catch2's failure output,
// and sections and generators inside one test with a stable, safe id.
#include <set>
#include <tuple>

#include "catch2_test_support.hpp"
#include "promtool.hpp"
#include "testscope/artifacts.hpp"

namespace testscope::catch2_test {
namespace {

bool lowercase_hex(const std::string& text, std::size_t length) {
  return text.size() == length && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The OTLP spans of a test folder, in file order.
json otlp_spans(const fs::path& test_dir) {
  return read_json(test_dir / "trace.otlp.json")["resourceSpans"][0]["scopeSpans"][0]["spans"];
}

// The value of attribute `key` of an OTLP span, as its JSON ("intValue": "3" -> "3"), or "".
std::string attribute(const json& span, const std::string& key) {
  for (const json& a : span["attributes"]) {
    if (a["key"] == key) {
      const json& value = a["value"];
      return value.begin()->is_string() ? value.begin()->get<std::string>() : value.begin()->dump();
    }
  }
  return "";
}

class Catch2Listener : public Catch2Test {};

TEST_F(Catch2Listener, WritesACompleteArtifactTreeForEveryTestCase) {
  const fs::path out = dir() / "artifacts";
  const ProcessResult result = fixture({"--testscope-artifacts=" + out.string()});
  // Catch2 exits with the number of failed assertions: CHECK, FAIL_CHECK, the exception, REQUIRE.
  EXPECT_EQ(result.exit_code, 4) << result.out << result.err;
  EXPECT_TRUE(result.err.empty()) << result.err;

  const json run = read_json(out / "run.json");
  EXPECT_EQ(run["schema"], 1);
  EXPECT_EQ(run["framework"], "catch2");
  EXPECT_EQ(run["exit_status"], 4);
  EXPECT_EQ(run["random_seed"], 0);
  EXPECT_EQ(run["tests"], json::parse(R"({"run": 7, "failed": 3, "skipped": 0})"));
  EXPECT_EQ(run["argv"], json::array({CATCH2_FIXTURE, "--testscope-artifacts=" + out.string()}));
  EXPECT_GT(run["end_unix_ns"].get<std::int64_t>(), run["start_unix_ns"].get<std::int64_t>());

  const auto tests = tests_by_name(out);
  std::set<std::string> names;
  for (const auto& [name, test_dir] : tests) {
    names.insert(name);
    const json summary = read_json(test_dir / "summary.json");
    EXPECT_EQ(summary["id"], test_dir.filename().string());
    EXPECT_EQ(summary["id"], test_id(name));
    EXPECT_EQ(summary["artifacts"], json::parse(R"({"otlp": "trace.otlp.json", "chrome": "trace.chrome.json",
                                                    "logs": "logs.jsonl", "metrics": "metrics.prom"})"));
    // The Chrome trace: JSON with one complete event per span, each with its timing and thread.
    const json chrome = read_json(test_dir / "trace.chrome.json");
    int complete = 0;
    for (const json& event : chrome["traceEvents"]) {
      if (event["ph"] != "X") continue;
      ++complete;
      EXPECT_TRUE(event["ts"].is_number() && event["dur"].is_number() && event["tid"].is_number()) << event;
    }
    EXPECT_EQ(complete, summary["counts"]["spans"]) << name;
    EXPECT_EQ(chrome["otherData"]["trace_id"], summary["trace_id"]);
    // Prometheus' own linter on every metrics.prom, empty or not.
    const auto promtool = testing_support::promtool_check_metrics(slurp(test_dir / "metrics.prom"));
    EXPECT_TRUE(promtool.passed) << name << ": " << promtool.output;
  }
  EXPECT_EQ(names, std::set<std::string>(visible_tests().begin(), visible_tests().end()));

  // The failing test case, field by field.
  const fs::path failing_dir = tests.at("catch2_fixture.fails after a span");
  const json failing = read_json(failing_dir / "summary.json");
  EXPECT_EQ(failing["schema"], 1);
  EXPECT_EQ(failing["test"], json({{"full_name", "catch2_fixture.fails after a span"},
                                   {"suite", "catch2_fixture"},
                                   {"name", "fails after a span"},
                                   {"type_param", ""},
                                   {"value_param", ""},
                                   {"file", CATCH2_FIXTURE_SOURCE},
                                   {"line", fixture_line("TEST_CASE(\"fails after a span\"")}}));
  EXPECT_EQ(failing["outcome"], "fail");
  EXPECT_TRUE(failing["quarantine"].is_null());
  const auto start = failing["start_unix_ns"].get<std::int64_t>();
  const auto end = failing["end_unix_ns"].get<std::int64_t>();
  EXPECT_EQ(failing["duration_ns"], end - start);
  EXPECT_TRUE(lowercase_hex(failing["trace_id"], 32)) << failing["trace_id"];
  EXPECT_TRUE(lowercase_hex(failing["root_span_id"], 16)) << failing["root_span_id"];
  ASSERT_EQ(failing["failures"].size(), 2U) << failing;
  const json& first = failing["failures"][0];
  EXPECT_EQ(first["file"], CATCH2_FIXTURE_SOURCE);
  EXPECT_EQ(first["line"], fixture_line("CHECK(uses == 1);"));
  EXPECT_EQ(first["fatal"], false);
  EXPECT_EQ(first["message"],
            "CHECK( uses == 1 )\nwith expansion:\n  2 == 1\nwith message:\n  first failure");
  EXPECT_GE(first["time_unix_ns"].get<std::int64_t>(), start);
  EXPECT_LE(first["time_unix_ns"].get<std::int64_t>(), end);
  EXPECT_EQ(failing["failures"][1]["line"], fixture_line("FAIL_CHECK(\"second failure\");"));
  EXPECT_EQ(failing["failures"][1]["message"],
            "explicitly with message:\n  second failure\nwith message:\n  first failure");
  EXPECT_EQ(failing["counts"], json::parse(R"({"spans": 2, "events": 2, "threads": 1, "unfinished_spans": 0,
                                               "logs": 0, "dropped_records": 0, "orphan_records": 0})"));
  EXPECT_EQ(failing["metrics"], json::array());
  ASSERT_EQ(failing["threads"].size(), 1U);
  EXPECT_EQ(failing["threads"][0]["index"], 1);

  // Its trace: the root named by the full name, with an "exception" event per failure, and the
  // test's span under it.
  const json spans = otlp_spans(failing_dir);
  ASSERT_EQ(spans.size(), 2U);
  EXPECT_EQ(spans[0]["name"], "catch2_fixture.fails after a span");
  EXPECT_EQ(spans[0]["traceId"], failing["trace_id"]);
  EXPECT_EQ(spans[0]["spanId"], failing["root_span_id"]);
  EXPECT_EQ(spans[0]["status"]["code"], 2);
  ASSERT_EQ(spans[0]["events"].size(), 2U);
  EXPECT_EQ(spans[0]["events"][0]["name"], "exception");
  EXPECT_EQ(attribute(spans[0]["events"][0], "exception.message"), first["message"]);
  EXPECT_EQ(attribute(spans[0]["events"][0], "exception.type"), "catch2.nonfatal_failure");  // a CHECK
  EXPECT_EQ(spans[1]["name"], "failing_work");
  EXPECT_EQ(spans[1]["parentSpanId"], spans[0]["spanId"]);
  EXPECT_EQ(attribute(spans[1], "promo.code"), "SUMMER20");

  const json threw = read_json(tests.at("catch2_fixture.throws") / "summary.json");
  ASSERT_EQ(threw["failures"].size(), 1U);
  EXPECT_EQ(threw["failures"][0]["message"],
            "due to unexpected exception with message:\n  boom from the test");
  EXPECT_EQ(threw["failures"][0]["fatal"], true);

  const json passing = read_json(tests.at("catch2_fixture.passes") / "summary.json");
  EXPECT_EQ(passing["outcome"], "pass");
  EXPECT_EQ(passing["failures"], json::array());
  EXPECT_EQ(passing["counts"]["logs"], 1);
  EXPECT_EQ(passing["metrics"], json::parse(R"([{"name": "catch2_fixture_uses_total", "kind": "counter",
                                                 "labels": {"status": "ok"}, "increase": 2.0}])"));
  EXPECT_NE(slurp(tests.at("catch2_fixture.passes") / "logs.jsonl").find("\"passing_log\""),
            std::string::npos);

  const json threads = read_json(tests.at("catch2_fixture.threads") / "summary.json");
  EXPECT_EQ(threads["counts"]["spans"], 3);  // the root, parent, child_on_worker
  EXPECT_EQ(threads["counts"]["threads"], 2);

  // The strict check of the whole tree: every OTLP file parsed with the official protobuf
  // definitions, every Chrome trace checked for structure, one folder per test run.json counts.
  const ProcessResult check = run_process({TESTSCOPE_PYTHON, OTLP_CHECK, "--tree", out.string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(Catch2Listener, PrintsTheTimelineUnderCatch2sFailureOutput) {
  const ProcessResult result = fixture({});
  EXPECT_EQ(result.exit_code, 4);
  const std::string& out = result.out;
  // Catch2's block for the failing test case: its header, then each failed assertion.
  const auto header = out.find("-\nfails after a span\n-");
  ASSERT_NE(header, std::string::npos) << out;
  const auto failed = out.find("FAILED:\n  CHECK( uses == 1 )\nwith expansion:\n  2 == 1", header);
  const auto second = out.find("second failure", failed);
  const auto timeline = out.find("testscope ▸ catch2_fixture.fails after a span  FAIL");
  ASSERT_NE(failed, std::string::npos) << out;
  ASSERT_NE(timeline, std::string::npos) << out;
  EXPECT_GT(timeline, second) << "the timeline follows Catch2's output for the test case\n" << out;
  EXPECT_LT(timeline, out.find("-\nthrows\n-")) << "and comes before the next test case's\n" << out;
  EXPECT_NE(out.find("├─ failing_work  promo.code=SUMMER20", timeline), std::string::npos) << out;
  EXPECT_NE(out.find("✗ failure at " + std::string(CATCH2_FIXTURE_SOURCE) + ":" +
                         std::to_string(fixture_line("CHECK(uses == 1);")),
                     timeline),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("testscope ▸ catch2_fixture.fails in a section  FAIL"), std::string::npos) << out;
  EXPECT_NE(out.find("section: second / deeper, run 2 of the test case"), std::string::npos) << out;
  EXPECT_EQ(out.find("testscope ▸ catch2_fixture.passes"), std::string::npos) << "passing tests stay quiet";
  EXPECT_EQ(out.find("\x1b["), std::string::npos) << "no colour when stdout is not a terminal";
  EXPECT_TRUE(result.err.empty()) << result.err;
}

TEST_F(Catch2Listener, Catch2sColourFlagColoursTheTimeline) {
  const ProcessResult yes = fixture({"--use-colour", "yes", "fails after a span"});
  const auto timeline = yes.out.find("testscope ▸");
  ASSERT_NE(timeline, std::string::npos) << yes.out;
  EXPECT_EQ(yes.out.rfind("\x1b[1m", timeline), timeline - 4) << "the header is bold\n" << yes.out;
  const ProcessResult no = fixture({"--use-colour", "no", "fails after a span"});
  EXPECT_NE(no.out.find("testscope ▸"), std::string::npos);
  EXPECT_EQ(no.out.find("\x1b["), std::string::npos) << no.out;
}

// (section name, catch2.run, parent span name) of every span named after a section, and the
// generator's value of each run ("generated" spans), in the order the trace lists them.
std::vector<std::tuple<std::string, std::string, std::string>> section_spans(const fs::path& test_dir) {
  const json spans = otlp_spans(test_dir);
  std::map<std::string, std::string> names;
  for (const json& span : spans) names[span["spanId"].get<std::string>()] = span["name"].get<std::string>();
  std::vector<std::tuple<std::string, std::string, std::string>> out;
  for (const json& span : spans) {
    const std::string parent =
        span.contains("parentSpanId") ? names[span["parentSpanId"].get<std::string>()] : "";
    const std::string run =
        span["name"] == "generated" ? "value " + attribute(span, "value") : attribute(span, "catch2.run");
    if (!run.empty()) out.emplace_back(span["name"].get<std::string>(), run, parent);
  }
  return out;
}

TEST_F(Catch2Listener, SectionsAndGeneratorsStayInOneTestWithAStableSafeId) {
  std::vector<std::string> ids;
  std::vector<std::vector<std::tuple<std::string, std::string, std::string>>> spans;
  for (const char* name : {"first", "second"}) {
    const fs::path out = dir() / name;
    const ProcessResult result = fixture({"--testscope-artifacts=" + out.string(), "[sections],[names]"});
    EXPECT_EQ(result.exit_code, 1) << result.out;  // fails in a section
    const auto tests = tests_by_name(out);
    ASSERT_EQ(tests.size(), 3U);  // sections and generators, fails in a section, the odd name
    const fs::path test_dir = tests.at("catch2_fixture.sections and generators");
    ids.push_back(test_dir.filename().string());
    spans.push_back(section_spans(test_dir));
    // A name with '/', '..', quotes and a backslash: one folder right under tests/, never outside.
    for (const auto& [test, folder] : tests) {
      EXPECT_EQ(folder.parent_path(), out / "tests") << test;
      EXPECT_NE(folder.filename().string().front(), '.');
      EXPECT_EQ(folder.filename().string().find_first_not_of(
                    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"),
                std::string::npos)
          << folder;
    }
    EXPECT_EQ(tests.at(visible_tests().back()).filename(), test_id(visible_tests().back()));
    const json sections = read_json(test_dir / "summary.json");
    EXPECT_EQ(sections["outcome"], "pass");
    EXPECT_EQ(sections["counts"]["spans"], 1 + 6 + 10);  // the root, 6 runs, 10 sections entered
  }
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_EQ(ids[0], test_id("catch2_fixture.sections and generators"));
  // Each run (leaf section path x generator value) numbered the same way in both programs.
  using Row = std::tuple<std::string, std::string, std::string>;
  const std::vector<Row> expected = {
      {"generated", "value 1", "catch2_fixture.sections and generators"},
      {"outer/one", "1", "generated"},
      {"inner ..", "1", "outer/one"},
      {"generated", "value 1", "catch2_fixture.sections and generators"},
      {"outer/one", "2", "generated"},
      {"inner two", "2", "outer/one"},
      {"generated", "value 1", "catch2_fixture.sections and generators"},
      {"../outer two", "3", "generated"},
      {"generated", "value 2", "catch2_fixture.sections and generators"},
      {"outer/one", "4", "generated"},
      {"inner ..", "4", "outer/one"},
      {"generated", "value 2", "catch2_fixture.sections and generators"},
      {"outer/one", "5", "generated"},
      {"inner two", "5", "outer/one"},
      {"generated", "value 2", "catch2_fixture.sections and generators"},
      {"../outer two", "6", "generated"},
  };
  EXPECT_EQ(spans[0], expected);
  EXPECT_EQ(spans[1], expected);
}

}  // namespace
}  // namespace testscope::catch2_test
