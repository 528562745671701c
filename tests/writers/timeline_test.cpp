// format_timeline on a hand-built, deterministic record, compared with a golden file.
// To regenerate after an intended change: TESTSCOPE_UPDATE_GOLDEN=1 ./timeline_test, then
// read the diff of tests/writers/golden/timeline.txt before committing it.
#include "testscope/timeline.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace testscope {
namespace {

constexpr std::int64_t kStart = 1'700'000'000'000'000'000;
constexpr std::int64_t kUs = 1'000;
constexpr std::int64_t kMs = 1'000'000;
constexpr TraceId kTrace{0x4bf92f3577b34da6ULL, 0xa3ce929d0e0e4736ULL};

AttributeData attr(std::string key, std::variant<std::string, std::int64_t, double, bool> value) {
  return AttributeData{std::move(key), std::move(value)};
}

SpanData span(std::uint64_t id, std::uint64_t parent, std::string name, std::uint32_t thread,
              std::int64_t start, std::int64_t end) {
  SpanData s;
  s.trace_id = kTrace;
  s.span_id = id;
  s.parent_span_id = parent;
  s.name = std::move(name);
  s.thread_index = thread;
  s.start_unix_ns = kStart + start;
  s.end_unix_ns = kStart + end;
  return s;
}

// PromoRace.RacyApply, failed: setup on the main thread; a request on a worker thread
// (a cross-thread child of the test) with a retry event, an error span and a span still
// open at the end; a check back on the main thread; a multi-line assertion failure.
// Log events: one under apply_promo on the worker, a WARN on the main thread under the
// root, and one whose span is not in the record (it goes under the root). Metrics: two
// counter series, a histogram and a gauge named promo_*, and one other counter.
TestRecord golden_record() {
  TestRecord r;
  r.test = TestInfo{"PromoRace", "RacyApply", "", "", "promo_tests.cpp", 80};
  r.outcome = Outcome::kFail;
  r.start_unix_ns = kStart;
  r.end_unix_ns = kStart + 12 * kMs + 500 * kUs;
  r.trace_id = kTrace;
  r.root_span_id = 0x100;
  r.threads = {ThreadData{0, 4100, "promo_tests"}, ThreadData{1, 4101, "user-u1"}};

  SpanData root = span(0x100, 0, "PromoRace.RacyApply", 0, 0, 12 * kMs + 500 * kUs);
  root.attributes = {attr("test.suite.name", std::string("PromoRace")),
                     attr("test.case.name", std::string("PromoRace.RacyApply")),
                     attr("test.case.result.status", std::string("fail"))};
  root.events.push_back(EventData{
      "exception",
      kStart + 11 * kMs,
      {attr("exception.type", std::string("gtest.fatal_failure")),
       attr("exception.message",
            std::string("Expected equality of these values:\n  successes\n    Which is: 2\n  1")),
       attr("code.filepath", std::string("promo_tests.cpp")), attr("code.lineno", std::int64_t{83})}});
  root.status = StatusCode::kError;
  root.status_message = "Expected equality of these values:";

  SpanData setup = span(0x200, 0x100, "setup", 0, 50 * kUs, 800 * kUs);
  setup.attributes = {attr("db.system", std::string("sqlite")), attr("promo.max", std::int64_t{1})};
  SpanData open_db = span(0x210, 0x200, "open_db", 0, 100 * kUs, 400 * kUs);
  open_db.attributes = {attr("db.path", std::string("/tmp/promo.db"))};

  SpanData request = span(0x300, 0x100, "request", 1, 1 * kMs, 9 * kMs);
  request.attributes = {attr("user.id", std::string("u1")), attr("ratio", 0.5), attr("cached", false)};
  request.events.push_back(EventData{"retry", kStart + 2 * kMs, {attr("attempt", std::int64_t{2})}});
  SpanData apply = span(0x310, 0x300, "apply_promo", 1, 1 * kMs + 200 * kUs, 8 * kMs + 500 * kUs);
  apply.attributes = {attr("promo.code", std::string("SUMMER20"))};
  apply.status = StatusCode::kError;
  apply.status_message = "limit reached";
  SpanData update = span(0x320, 0x310, "db.update", 1, 1 * kMs + 300 * kUs, 12 * kMs + 500 * kUs);
  update.ended = false;

  SpanData verify = span(0x400, 0x100, "verify", 0, 9 * kMs + 500 * kUs, 9 * kMs + 700 * kUs);
  verify.attributes = {attr("ok", true)};
  SpanData tiny = span(0x410, 0x400, "tiny", 0, 9 * kMs + 600 * kUs, 9 * kMs + 600 * kUs + 750);

  r.spans = {root, setup, open_db, request, apply, update, verify, tiny};
  r.logs.push_back(LogData{kStart + 500 * kUs,
                           0,
                           kTrace,
                           0x999,
                           Severity::kDebug,
                           "config_loaded",
                           {attr("path", std::string("promo.yaml"))}});
  r.logs.push_back(LogData{kStart + 1 * kMs + 250 * kUs,
                           1,
                           kTrace,
                           0x310,
                           Severity::kInfo,
                           "promo_check",
                           {attr("code", std::string("SUMMER20")), attr("user", std::string("u1")),
                            attr("uses", std::int64_t{0}), attr("max", std::int64_t{1})}});
  r.logs.push_back(LogData{
      kStart + 10 * kMs, 0, kTrace, 0x100, Severity::kWarn, "db_busy", {attr("retry", std::int64_t{2})}});
  auto metric = [](std::string name, MetricKind kind, std::vector<std::pair<std::string, std::string>> labels,
                   double value) {
    MetricSample m;
    m.name = std::move(name);
    m.kind = kind;
    m.labels = std::move(labels);
    m.value = value;
    return m;
  };
  MetricSample latency = metric("promo_apply_seconds", MetricKind::kHistogram, {}, 0);
  latency.count = 2;
  latency.sum = 0.0125;
  latency.buckets = {{0.01, 1}, {0.1, 2}, {std::numeric_limits<double>::infinity(), 2}};
  r.metrics = {
      metric("http_requests_total", MetricKind::kCounter, {{"path", "/apply"}}, 2), latency,
      metric("promo_open_connections", MetricKind::kGauge, {}, 0),
      metric("promo_uses_total", MetricKind::kCounter, {{"promo_code", "SUMMER20"}, {"status", "ok"}}, 2),
      metric("promo_uses_total", MetricKind::kCounter, {{"promo_code", "SUMMER\"20"}, {"status", "limit"}},
             1)};
  r.failures.push_back(Failure{"promo_tests.cpp", 83,
                               "Expected equality of these values:\n  successes\n    Which is: 2\n  1", true,
                               kStart + 11 * kMs, ""});
  return r;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Timeline, MatchesGoldenFile) {
  const std::string path = std::string(TESTSCOPE_GOLDEN_DIR) + "/timeline.txt";
  const std::string actual = format_timeline(golden_record(), TimelineOptions{});
  if (const char* update = std::getenv("TESTSCOPE_UPDATE_GOLDEN"); update != nullptr && *update == '1') {
    std::ofstream(path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << path;
  }
  const std::string expected = read_file(path);
  ASSERT_FALSE(expected.empty()) << "missing golden file " << path;
  EXPECT_EQ(actual, expected) << "actual output:\n" << actual;
}

TEST(Timeline, ArtifactsDirInHeader) {
  TimelineOptions options;
  options.artifacts_dir = "/tmp/art/tests/PromoRace.RacyApply";
  const std::string text = format_timeline(golden_record(), options);
  EXPECT_NE(text.find("\n  artifacts: /tmp/art/tests/PromoRace.RacyApply\n"), std::string::npos) << text;
}

TEST(Timeline, ColorOnHasAnsiEscapesOffHasNone) {
  TimelineOptions options;
  options.color = false;
  const std::string plain = format_timeline(golden_record(), options);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  options.color = true;
  const std::string colored = format_timeline(golden_record(), options);
  EXPECT_NE(colored.find("\x1b["), std::string::npos);
  EXPECT_NE(colored.find("\x1b[31m"), std::string::npos) << "failures and errors are red";
  EXPECT_NE(colored.find("\x1b[0m"), std::string::npos) << "colours are reset";
  // Stripping the escapes gives the plain text back.
  std::string stripped;
  for (std::size_t i = 0; i < colored.size(); ++i) {
    if (colored[i] == '\x1b') {
      while (i < colored.size() && colored[i] != 'm') ++i;
      continue;
    }
    stripped.push_back(colored[i]);
  }
  EXPECT_EQ(stripped, plain);
}

TEST(Timeline, MaxLinesTruncatesKeepingTheFailure) {
  TimelineOptions options;
  options.max_lines = 3;
  const std::string text = format_timeline(golden_record(), options);
  EXPECT_NE(text.find("PromoRace.RacyApply"), std::string::npos);
  EXPECT_NE(text.find("failure at promo_tests.cpp:83"), std::string::npos) << text;
  EXPECT_NE(text.find("Which is: 2"), std::string::npos) << text;
  EXPECT_EQ(text.find("verify"), std::string::npos) << text;
  EXPECT_NE(text.find("lines left out (failures and the spans around them kept); write artifacts"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("8 spans, 2 threads, 1 unfinished, 0 dropped records"), std::string::npos) << text;
  const std::string full = format_timeline(golden_record(), TimelineOptions{});
  EXPECT_EQ(full.find("left out"), std::string::npos);
}

// A busy test (issue 14): 500 spans before its assertion failed. The cut at 200 lines hid the
// failure; now the failure, the spans it is under and the ones around it are shown, the cut
// is marked where it is, and the footer says where the whole timeline is.
TEST(Timeline, ABusyTestsFailureSurvivesTheCut) {
  TestRecord record = golden_record();
  const std::uint64_t root = record.spans.front().span_id;  // push_back moves the spans
  for (std::uint64_t id = 0; id < 500; ++id) {
    record.spans.push_back(span(0x10000 + id, root, "busy_" + std::to_string(id), 0,
                                static_cast<std::int64_t>(id), static_cast<std::int64_t>(id) + 1));
  }
  record.spans.push_back(span(0x20000, 0x100, "just_before_the_failure", 0, 11 * kMs - 10, 11 * kMs - 5));
  TimelineOptions options;
  options.artifacts_dir = "out/tests/PromoRace.RacyApply";
  const std::string text = format_timeline(record, options);
  EXPECT_NE(text.find("failure at promo_tests.cpp:83"), std::string::npos);
  EXPECT_NE(text.find("Which is: 2"), std::string::npos);
  EXPECT_NE(text.find("just_before_the_failure"), std::string::npos) << text;
  EXPECT_NE(text.find("busy_0\n"), std::string::npos);  // the top is still there
  EXPECT_EQ(text.find("busy_400\n"), std::string::npos);
  EXPECT_NE(text.find("lines left out\n"), std::string::npos) << text;  // a gap marked in place
  EXPECT_NE(text.find("the whole timeline: out/tests/PromoRace.RacyApply/trace.chrome.json"),
            std::string::npos);
  std::size_t lines = 0;
  for (const char c : text) lines += c == '\n' ? 1 : 0;
  EXPECT_LT(lines, 200U + 30U) << "the header, gaps, metrics and footer beside the 200 lines";
}

// Recursion in the code under test nests spans as deep as it goes; a corrupt recovered
// buffer may even have a span claim itself as parent. The tree stops, the stack holds.
TEST(Timeline, DeepNestingAndSelfParentsStopAtTheDepthLimit) {
  TestRecord record;
  record.test = {"Deep", "Recursion", "", "", "", 0};
  record.trace_id = kTrace;
  record.root_span_id = 1;
  record.start_unix_ns = kStart;
  record.end_unix_ns = kStart + 1000000;
  record.spans.push_back(span(1, 0, "Deep.Recursion", 1, 0, 1000000));
  for (std::uint64_t id = 2; id < 100000; ++id) {
    record.spans.push_back(span(id, id - 1, "recurse", 1, 10, 20));
  }
  record.spans.push_back(span(100000, 100000, "its_own_parent", 1, 10, 20));
  TimelineOptions options;
  options.max_lines = 1000;
  const std::string text = format_timeline(record, options);
  EXPECT_NE(text.find("… deeper spans are in trace.chrome.json"), std::string::npos);
  EXPECT_NE(text.find("100000 spans"), std::string::npos) << text.substr(text.size() - 200);
}

TEST(Timeline, MetricsFilterKeepsOnlyNamesWithThePrefix) {
  TimelineOptions options;
  options.metrics_filter = "promo_";
  const std::string text = format_timeline(golden_record(), options);
  EXPECT_NE(text.find("  metrics promo_*:\n"), std::string::npos) << text;
  // Aligned: padded to the widest series shown, the one with the escaped quote.
  EXPECT_NE(text.find("    promo_uses_total{promo_code=\"SUMMER20\",status=\"ok\"}       +2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    promo_uses_total{promo_code=\"SUMMER\\\"20\",status=\"limit\"}  +1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("http_requests_total"), std::string::npos) << text;
  options.metrics_filter = "nothing_matches_";
  const std::string none = format_timeline(golden_record(), options);
  EXPECT_EQ(none.find("  metrics"), std::string::npos) << "no section when nothing matches:\n" << none;
}

TEST(Timeline, ManyMetricsAreCut) {
  TestRecord record = golden_record();
  record.metrics.clear();
  for (int i = 0; i < 100; ++i) {
    MetricSample m;
    m.name = "series_" + std::to_string(i) + "_total";
    m.kind = MetricKind::kCounter;
    m.value = 1;
    record.metrics.push_back(m);
  }
  const std::string text = format_timeline(record, TimelineOptions{});
  EXPECT_NE(text.find("series_39_total"), std::string::npos);
  EXPECT_EQ(text.find("series_40_total"), std::string::npos);
  EXPECT_NE(text.find("… 60 more series in metrics.prom"), std::string::npos) << text;
}

TEST(Timeline, EmptyRecord) {
  const std::string text = format_timeline(TestRecord{}, TimelineOptions{});
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
}

// True if `text` is well-formed UTF-8 (no stray, truncated or overlong sequences).
bool valid_utf8(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = 0;
    if (c < 0x80) {
      n = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= text.size() + (n == 0 ? 1 : 0) && n != 0) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

TEST(Timeline, OutputIsValidUtf8) {
  TestRecord record = golden_record();
  // 1 + 15 bytes: a 16-byte cut of the thread column would split the 8th 'Ж'.
  record.threads[1].name = "xЖЖЖЖЖЖЖЖЖЖ";
  record.spans[1].name = std::string(79, 'n') + "Ж";  // an 80-byte cut of the name splits 'Ж'
  record.spans[1].attributes.push_back(attr("v", std::string(59, 'v') + "ЖЖ"));  // the 60-byte cut of values
  record.failures[0].message = "bad \xff byte";
  record.spans[0].events[0].attributes[1] = attr("exception.message", std::string("bad \xff byte\nЖ"));
  for (bool color : {false, true}) {
    TimelineOptions options;
    options.color = color;
    const std::string text = format_timeline(record, options);
    EXPECT_TRUE(valid_utf8(text)) << text;
  }
}

TEST(Timeline, HostileStrings) {
  TestRecord record = golden_record();
  record.spans[1].name = "multi\nline\tname\xff";
  record.spans[1].attributes.push_back(attr("long", std::string(500, 'x')));
  record.threads[1].name = "a-very-long-thread-name-indeed";
  const std::string text = format_timeline(record, TimelineOptions{});
  EXPECT_EQ(text.find("multi\nline"), std::string::npos) << "a span stays on one line";
  EXPECT_EQ(text.find(std::string(100, 'x')), std::string::npos) << "long values are cut";
  EXPECT_EQ(text.find('\xff'), std::string::npos) << "invalid UTF-8 is repaired";
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace testscope
