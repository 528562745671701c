// The HTML report in-process: escaping, the page template, the Chrome trace reader (threads,
// depths, caps, bad input), and the page's embedded data for a hand-made tree. The page's
// rendering in a browser is html_report_browser_check.py's.
#include "report/html_report.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "analysis/artifact_tree.hpp"
#include "analysis/verdicts.hpp"
#include "report/html_text.hpp"
#include "report/html_timeline.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testscope::html_report::escape_html;
using testscope::html_report::escape_json_for_script;
using testscope::html_report::fill_template;
using testscope::html_report::parse_chrome_timeline;
using testscope::html_report::read_chrome_timeline;
using testscope::html_report::Timeline;

constexpr const char* kHostile = "Bad</script><img src=x onerror=alert(1)>.Case\"'&ü";

TEST(HtmlText, EscapesMarkupCharacters) {
  EXPECT_EQ(escape_html("a<b>&\"'ü"), "a&lt;b&gt;&amp;&quot;&#39;ü");
  EXPECT_EQ(escape_html(""), "");
}

TEST(HtmlText, ScriptJsonHasNoClosingTagAndParsesBack) {
  const json document = {{"name", kHostile}, {"comment", "<!-- -->"}};
  const std::string text = escape_json_for_script(document.dump());
  EXPECT_EQ(text.find('<'), std::string::npos) << text;
  EXPECT_EQ(text.find('>'), std::string::npos) << text;
  EXPECT_EQ(text.find('&'), std::string::npos) << text;
  EXPECT_EQ(json::parse(text), document);
}

TEST(HtmlText, FillTemplateDoesNotRescanInsertedText) {
  const std::string page = fill_template("<p>{{a}}|{{b}}|{{unknown}}|{{</p>", {{"a", "{{b}}"}, {"b", "B"}});
  EXPECT_EQ(page, "<p>{{b}}|B|{{unknown}}|{{</p>");
}

std::string trace_text() {
  return R"json({"traceEvents":[
    {"ph":"M","name":"thread_name","pid":1,"tid":20,"args":{"name":"worker (20)"}},
    {"ph":"M","name":"thread_sort_index","pid":1,"tid":20,"args":{"sort_index":1}},
    {"ph":"M","name":"thread_name","pid":1,"tid":10,"args":{"name":"main (10)"}},
    {"ph":"M","name":"thread_sort_index","pid":1,"tid":10,"args":{"sort_index":0}},
    {"ph":"X","name":"test","cat":"test","ts":0,"dur":100,"pid":1,"tid":10,"args":{"n":1,"s":"x"}},
    {"ph":"X","name":"child","cat":"span","ts":10,"dur":20,"pid":1,"tid":10},
    {"ph":"X","name":"grandchild","cat":"span","ts":12,"dur":5,"pid":1,"tid":10},
    {"ph":"X","name":"sibling","cat":"span","ts":30,"dur":5,"pid":1,"tid":10},
    {"ph":"X","name":"remote","cat":"span","ts":15,"dur":50,"pid":1,"tid":20},
    {"ph":"i","name":"logged","cat":"log","s":"t","ts":16,"pid":1,"tid":20,"args":{"k":"v"}},
    {"ph":"i","name":"event","s":"t","ts":11,"pid":1,"tid":10},
    {"ph":"s","name":"context","cat":"flow","id":1,"ts":15,"pid":1,"tid":10},
    {"ph":"X","name":"no time","pid":1,"tid":10},
    {"ph":"X","name":"elsewhere","ts":1,"dur":1,"pid":1,"tid":30},
    7
  ]})json";
}

TEST(ChromeTimeline, ReadsThreadsSpansDepthsAndMarks) {
  const Timeline t = parse_chrome_timeline(trace_text(), "t.json", 100, 100);
  ASSERT_EQ(t.error, "");
  ASSERT_EQ(t.threads.size(), 3U);
  EXPECT_EQ(t.threads[0].name, "main (10)");  // by sort index, then first appearance
  EXPECT_EQ(t.threads[1].name, "worker (20)");
  EXPECT_EQ(t.threads[2].name, "30");  // unnamed: its tid
  ASSERT_EQ(t.spans.size(), 6U);
  EXPECT_EQ(t.spans_in_file, 6U);
  EXPECT_EQ(t.skipped_events, 2U);  // the X without ts and the bare number
  auto span = [&t](const std::string& name) {
    for (const auto& s : t.spans) {
      if (s.name == name) return s;
    }
    ADD_FAILURE() << "no span " << name;
    return testscope::html_report::TimelineSpan{};
  };
  EXPECT_EQ(span("test").depth, 0);
  EXPECT_EQ(span("test").category, "test");
  EXPECT_EQ(span("child").depth, 1);
  EXPECT_EQ(span("grandchild").depth, 2);
  EXPECT_EQ(span("sibling").depth, 1);  // starts as child ends
  EXPECT_EQ(span("remote").depth, 0);   // its own thread
  EXPECT_EQ(span("remote").thread, 1U);
  const auto attributes = span("test").attributes;
  ASSERT_EQ(attributes.size(), 2U);
  EXPECT_EQ(attributes[0], (testscope::html_report::Attribute{"n", "1"}));
  EXPECT_EQ(attributes[1], (testscope::html_report::Attribute{"s", "x"}));
  ASSERT_EQ(t.marks.size(), 2U);
  EXPECT_EQ(t.marks[0].name, "event");
  EXPECT_FALSE(t.marks[0].is_log);
  EXPECT_TRUE(t.marks[1].is_log);
  EXPECT_DOUBLE_EQ(t.end_us, 100);
}

TEST(ChromeTimeline, CapsSpansAndMarksKeepingTheEarliest) {
  const Timeline t = parse_chrome_timeline(trace_text(), "t.json", 2, 1);
  EXPECT_EQ(t.spans.size(), 2U);
  EXPECT_EQ(t.spans_in_file, 6U);
  EXPECT_EQ(t.spans[0].name, "test");
  EXPECT_EQ(t.spans[1].name, "elsewhere");
  EXPECT_EQ(t.marks.size(), 1U);
  EXPECT_EQ(t.marks_in_file, 2U);
}

TEST(ChromeTimeline, BadInputIsAMessage) {
  EXPECT_EQ(parse_chrome_timeline(R"({"traceEvents":[{"ph":"X")", "t.json", 10, 10)
                .error.rfind("t.json: not valid JSON at byte ", 0),
            0U);
  EXPECT_EQ(parse_chrome_timeline(R"({"events":[]})", "t.json", 10, 10).error,
            "t.json: not a Chrome trace (no traceEvents array)");
  EXPECT_EQ(parse_chrome_timeline("", "t.json", 10, 10).error.rfind("t.json: not valid JSON", 0), 0U);
  const Timeline missing = read_chrome_timeline("/nonexistent/trace.chrome.json", 10, 10);
  EXPECT_NE(missing.error.find("/nonexistent/trace.chrome.json: cannot read"), std::string::npos)
      << missing.error;
  // The bare-array form, wrong-typed fields and a negative duration: skipped, not fatal.
  const Timeline odd = parse_chrome_timeline(
      R"([{"ph":"X","name":1,"ts":"1","dur":1,"tid":1},{"ph":"X","ts":1,"dur":-1,"tid":1},
          {"ph":"X","ts":1,"dur":2,"tid":"t","args":[1]}])",
      "t.json", 10, 10);
  EXPECT_EQ(odd.error, "");
  EXPECT_EQ(odd.spans.size(), 1U);
  EXPECT_EQ(odd.skipped_events, 2U);
  EXPECT_EQ(odd.threads.at(0).tid, "t");
}

class HtmlReportTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("html_report_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  const fs::path& root() const { return root_; }

  // Execution n of a test named kHostile: fails in execution 2, with `trace` as its trace.
  void write_execution(int n, const std::string& outcome, const std::string& trace) {
    const fs::path dir = root_ / "runs" / std::to_string(n) / "tests" / "Bad.Case";
    fs::create_directories(dir);
    json failures = json::array();
    if (outcome != "pass") failures.push_back({{"file", "t.cpp"}, {"line", 3}, {"message", "<b>boom</b>"}});
    const json summary = {{"schema", 1},
                          {"id", "Bad.Case"},
                          {"test", {{"full_name", kHostile}, {"suite", "Bad"}, {"name", "Case"}}},
                          {"outcome", outcome},
                          {"duration_ns", 1000},
                          {"failures", failures}};
    std::ofstream(dir / "summary.json") << summary.dump();
    if (!trace.empty()) std::ofstream(dir / "trace.chrome.json") << trace;
    std::ofstream(dir / "metrics.prom") << "# TYPE c_total counter\nc_total{k=\"" << n << "\"} " << n << "\n";
  }

  // The JSON document embedded in `page`.
  static json embedded_data(const std::string& page) {
    const std::string open = R"(<script type="application/json" id="testscope-data">)";
    const auto begin = page.find(open);
    const auto end = page.find("</script>", begin);
    EXPECT_NE(begin, std::string::npos);
    return json::parse(page.substr(begin + open.size(), end - begin - open.size()));
  }

 private:
  fs::path root_;
};

TEST_F(HtmlReportTree, EmbedsFailingBesidePassingAndEscapesNames) {
  write_execution(1, "pass", trace_text());
  write_execution(2, "fail",
                  R"({"traceEvents":[{"ph":"X","name":"</script><img>","ts":0,"dur":1,"tid":1}]})");
  write_execution(3, "pass", "");
  const auto tree = testscope::analysis::load_artifact_tree(root());
  const auto verdicts = testscope::analysis::compute_verdicts(tree);
  ASSERT_EQ(verdicts.tests.size(), 1U);
  ASSERT_EQ(testscope::analysis::verdict_name(verdicts.tests[0].verdict), "flaky");
  testscope::html_report::HtmlReportOptions options;
  options.root = "out<dir>";
  const std::string page = testscope::html_report::render_html_report(tree, verdicts, options);

  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_NE(page.find("Bad&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;.Case&quot;&#39;&amp;ü"),
            std::string::npos);
  EXPECT_NE(page.find("<code>out&lt;dir&gt;</code>"), std::string::npos);
  EXPECT_EQ(page.find("{{"), std::string::npos) << "a marker was left unfilled";

  const json data = embedded_data(page);
  ASSERT_EQ(data["details"].size(), 1U);
  const json& detail = data["details"][0];
  EXPECT_EQ(detail["name"], kHostile);
  EXPECT_EQ(detail["failing"]["execution"], "2");
  EXPECT_EQ(detail["failing"]["artifacts"], "out<dir>/runs/2/tests/Bad.Case");
  EXPECT_NE(detail["failing"]["message"].get<std::string>().find("<b>boom</b>"), std::string::npos);
  EXPECT_EQ(detail["failing"]["timeline"]["spans"][0][4], "</script><img>");
  EXPECT_EQ(detail["passing"]["execution"], "1");
  EXPECT_EQ(detail["passing"]["timeline"]["threads"].size(), 3U);
  EXPECT_EQ(detail["metrics"]["rows"],
            json::parse(R"([["c_total{k=\"1\"}", null, "1"], ["c_total{k=\"2\"}", "2", null]])"));
}

TEST_F(HtmlReportTree, CorruptAndMissingTracesBecomeMessages) {
  write_execution(1, "fail", R"({"traceEvents":[)");
  write_execution(2, "pass", "");
  const auto tree = testscope::analysis::load_artifact_tree(root());
  const auto verdicts = testscope::analysis::compute_verdicts(tree);
  const json data = embedded_data(testscope::html_report::render_html_report(tree, verdicts, {}));
  const json& detail = data["details"].at(0);
  EXPECT_NE(detail["failing"]["timeline"]["error"].get<std::string>().find("not valid JSON at byte"),
            std::string::npos);
  EXPECT_NE(detail["passing"]["timeline"]["error"].get<std::string>().find("cannot read"), std::string::npos);
}

TEST_F(HtmlReportTree, LimitsTheDetailedTestsAndSpans) {
  write_execution(1, "fail", trace_text());
  const auto tree = testscope::analysis::load_artifact_tree(root());
  const auto verdicts = testscope::analysis::compute_verdicts(tree);
  testscope::html_report::HtmlReportOptions options;
  options.max_spans_per_execution = 3;
  json data = embedded_data(testscope::html_report::render_html_report(tree, verdicts, options));
  EXPECT_EQ(data["details"][0]["failing"]["timeline"]["spans"].size(), 3U);
  EXPECT_EQ(data["details"][0]["failing"]["timeline"]["spans_in_file"], 6);
  EXPECT_TRUE(data["details"][0]["passing"].is_null());
  options.max_detailed_tests = 0;
  data = embedded_data(testscope::html_report::render_html_report(tree, verdicts, options));
  EXPECT_TRUE(data["details"].empty());
  EXPECT_EQ(data["details_omitted"], 1);
}

}  // namespace
