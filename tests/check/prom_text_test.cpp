// Our readers of Prometheus text (metrics.prom) and of PromQL-style series selectors
// (src/analysis/prom_text.cpp, metric_selector.cpp): a real file as testscope writes it, the
// format's corners, every error with its position, and matching.
#include "analysis/prom_text.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "check/metric_selector.hpp"
#include "rules_fixture.hpp"

namespace testscope::analysis {
namespace {

TEST(PromText, ReadsAMetricsFileAsTestscopeWritesIt) {
  const PromParse p =
      parse_prom_text(rules_test::promo_metrics("PromoRace.Racy", 2, 1) +
                      "# HELP wait_seconds Wait\n# TYPE wait_seconds histogram\n"
                      "wait_seconds_bucket{le=\"0.1\"} 1\nwait_seconds_bucket{le=\"+Inf\"} 2\n"
                      "wait_seconds_sum 0.35\nwait_seconds_count 2\n");
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_EQ(p.samples.size(), 6U);
  EXPECT_EQ(p.samples[0].name, "promo_uses_total");
  EXPECT_EQ(p.samples[0].label("status"), "limit");
  EXPECT_EQ(p.samples[0].label("promo_code"), "SUMMER20");
  EXPECT_EQ(p.samples[0].label("missing"), "");
  EXPECT_EQ(p.samples[0].value, 1);
  EXPECT_EQ(p.samples[0].line, 4);
  EXPECT_EQ(p.samples[1].value, 2);
  EXPECT_EQ(p.samples[3].label("le"), "+Inf");
  EXPECT_EQ(p.samples[4].name, "wait_seconds_sum");
  EXPECT_DOUBLE_EQ(p.samples[4].value, 0.35);
}

TEST(PromText, ReadsTheFormatsCorners) {
  const PromParse p = parse_prom_text(
      "\r\n  # indented comment\r\nx_total 1e3 1700000000000\r\n"
      "y{a=\"q\\\"uote\\\\back\\nline\",} -Inf\n"
      "z{} +Inf\n"
      "n:recorded NaN\n"
      "  spaced { a = \"1\" , b=\"2\" }   7\n"
      "big 1e400\n");
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_EQ(p.samples.size(), 6U);
  EXPECT_EQ(p.samples[0].value, 1000);
  EXPECT_EQ(p.samples[0].line, 3);
  EXPECT_EQ(p.samples[1].label("a"), "q\"uote\\back\nline");
  EXPECT_EQ(p.samples[1].value, -INFINITY);
  EXPECT_EQ(p.samples[2].value, INFINITY);
  EXPECT_EQ(p.samples[3].name, "n:recorded");
  EXPECT_TRUE(std::isnan(p.samples[3].value));
  EXPECT_EQ(p.samples[4].label("b"), "2");
  EXPECT_EQ(p.samples[4].value, 7);
  EXPECT_EQ(p.samples[5].value, INFINITY);
  EXPECT_TRUE(parse_prom_text("").ok());
  EXPECT_TRUE(parse_prom_text("# only\n# comments").samples.empty());
}

TEST(PromText, ErrorsNameLineAndColumn) {
  EXPECT_EQ(parse_prom_text("ok 1\n9bad 1\n").error, "line 2, column 1: expected a metric name");
  EXPECT_EQ(parse_prom_text("x{a=\"1\" 1\n").error,
            "line 1, column 9: expected ',' or '}' after the label value");
  EXPECT_EQ(parse_prom_text("x{a=1} 1\n").error, "line 1, column 5: expected '\"' to start the label value");
  EXPECT_EQ(parse_prom_text("x{a=\"1} 1\n").error, "line 1, column 10: the label value has no closing '\"'");
  EXPECT_EQ(parse_prom_text("x{a=\"\\t\"} 1\n").error,
            "line 1, column 6: only \\\\, \\\" and \\n are escapes in a label value");
  EXPECT_EQ(parse_prom_text("x{a=\"1\",a=\"2\"} 1\n").error, "line 1, column 9: label 'a' is given twice");
  EXPECT_EQ(parse_prom_text("x{a\"1\"} 1\n").error, "line 1, column 4: expected '=' after the label name");
  EXPECT_EQ(parse_prom_text("x{,} 1\n").error, "line 1, column 3: expected a label name or '}'");
  EXPECT_EQ(parse_prom_text("  x one\n").error, "line 1, column 5: 'one' is not a number");
  EXPECT_EQ(parse_prom_text("x\n").error, "line 1, column 2: expected a space before the value");
  EXPECT_EQ(parse_prom_text("x{}\n").error, "line 1, column 4: expected a space before the value");
  EXPECT_EQ(parse_prom_text("x 1 12.5\n").error,
            "line 1, column 5: '12.5' is not a timestamp (milliseconds, an integer)");
  EXPECT_EQ(parse_prom_text("x 1 12 extra\n").error, "line 1, column 8: unexpected text after the timestamp");
  EXPECT_EQ(parse_prom_text("x ++1\n").error, "line 1, column 3: '++1' is not a number");
  EXPECT_FALSE(parse_prom_text("x 1\ny{").ok());
  EXPECT_TRUE(parse_prom_text("x 1\ny{").samples.empty());
}

TEST(PromText, ReadsTypesAndHelpTexts) {
  const PromParse p = parse_prom_text(
      "# HELP wait_seconds Wait \\\\ with\\na newline\n# TYPE wait_seconds histogram\n"
      "wait_seconds_bucket{le=\"+Inf\"} 2\nwait_seconds_sum 0.3\nwait_seconds_count 2\n"
      "#  TYPE   uses_total   counter  \nuses_total 1\n"
      "# TYPE payload summary\npayload_sum 4\npayload_count 1\npayload_bucket 1\n"
      "# TYPES not_a_directive gauge\n# testscope: a comment\nloose 3\n");
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_EQ(p.families.size(), 3U);
  EXPECT_EQ(p.families[0].name, "wait_seconds");
  EXPECT_EQ(p.families[0].type, "histogram");
  EXPECT_EQ(p.families[0].help, "Wait \\ with\na newline");
  EXPECT_EQ(p.families[0].line, 2);
  EXPECT_EQ(p.families[1].name, "uses_total");
  EXPECT_EQ(p.families[1].type, "counter");
  EXPECT_EQ(p.families[1].help, "");
  auto family = [&](const char* sample) {
    const PromFamily* f = p.family_of(sample);
    return f != nullptr ? f->name + ":" + f->type : std::string("untyped");
  };
  EXPECT_EQ(family("wait_seconds_bucket"), "wait_seconds:histogram");
  EXPECT_EQ(family("wait_seconds_sum"), "wait_seconds:histogram");
  EXPECT_EQ(family("wait_seconds_count"), "wait_seconds:histogram");
  EXPECT_EQ(family("uses_total"), "uses_total:counter");
  EXPECT_EQ(family("payload"), "payload:summary");
  EXPECT_EQ(family("payload_sum"), "payload:summary");
  EXPECT_EQ(family("payload_bucket"), "untyped") << "summaries have no buckets";
  EXPECT_EQ(family("uses"), "untyped");
  EXPECT_EQ(family("loose"), "untyped");
  EXPECT_EQ(family("not_a_directive"), "untyped");
}

TEST(PromText, TypeLineErrorsNameLineAndColumn) {
  EXPECT_EQ(parse_prom_text("x 1\n# TYPE 9x counter\n").error,
            "line 2, column 8: expected a metric name after '# TYPE'");
  EXPECT_EQ(parse_prom_text("# TYPE x countr\n").error,
            "line 1, column 10: 'countr' is not a metric type (counter, gauge, histogram, summary, untyped)");
  EXPECT_EQ(parse_prom_text("# TYPE x\n").error,
            "line 1, column 9: '' is not a metric type (counter, gauge, histogram, summary, untyped)");
  EXPECT_EQ(parse_prom_text("# TYPE x gauge\nx 1\n# TYPE x counter\n").error,
            "line 3, column 8: 'x' is typed twice (first on line 1)");
  const PromParse bad = parse_prom_text("# TYPE x gauge\nx one\n");
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(bad.families.empty());
  EXPECT_TRUE(parse_prom_text("# HELP 9x whatever\n# HELP\n").ok())
      << "HELP lines are only read, never refused";
}

TEST(MetricSelector, ParsesNamesAndMatchers) {
  const SelectorParse plain = parse_metric_selector("wait_seconds_count");
  ASSERT_TRUE(plain.selector) << plain.error;
  EXPECT_EQ(plain.selector->to_string(), "wait_seconds_count");
  const SelectorParse full =
      parse_metric_selector(R"( promo_uses_total { status = "limit", promo_code!='X\'s',} )");
  ASSERT_TRUE(full.selector) << full.error;
  ASSERT_EQ(full.selector->matchers.size(), 2U);
  EXPECT_EQ(full.selector->matchers[1].value, "X's");
  EXPECT_FALSE(full.selector->matchers[1].equal);
  EXPECT_EQ(full.selector->to_string(), "promo_uses_total{status=\"limit\",promo_code!=\"X's\"}");
  EXPECT_EQ(parse_metric_selector("a:b{}").selector->to_string(), "a:b");
}

TEST(MetricSelector, ErrorsSayWhere) {
  const auto error = [](std::string_view text) {
    const SelectorParse p = parse_metric_selector(text);
    EXPECT_FALSE(p.selector);
    return p.error + " @" + std::to_string(p.offset);
  };
  EXPECT_EQ(error(""), "the selector is empty: write a metric name @0");
  EXPECT_EQ(error("  "), "the selector is empty: write a metric name @2");
  EXPECT_EQ(error("9x"), "expected a metric name (letters, digits, '_' and ':') @0");
  EXPECT_EQ(error("x{a=~\"1\"}"),
            "regex matchers (=~, !~) are not supported: use = or != (one rule per value) @3");
  EXPECT_EQ(error("x{a!~\"1\"}"),
            "regex matchers (=~, !~) are not supported: use = or != (one rule per value) @3");
  EXPECT_EQ(error("x{a}"), "expected '=' or '!=' after the label name @3");
  EXPECT_EQ(error("x{a=b}"), "expected the label value in quotes (status=\"limit\") @4");
  EXPECT_EQ(error("x{a=\"b}"), "the label value has no closing \" @7");
  EXPECT_EQ(error("x{a=\"b\" c=\"d\"}"), "expected ',' or '}' after a label matcher @8");
  EXPECT_EQ(error("x{a=\"b\""), "expected '}' to close the label matchers @7");
  EXPECT_EQ(error("x y"), "unexpected text after the selector @2");
  EXPECT_EQ(error("x{1=\"\"}"), "expected a label name (letters, digits and '_') or '}' @2");
}

TEST(MetricSelector, MatchesAsPromQLDoes) {
  const PromParse p = parse_prom_text(
      "promo_uses_total{promo_code=\"A\",status=\"ok\"} 1\n"
      "promo_uses_total{promo_code=\"B\",status=\"limit\"} 1\n"
      "promo_uses_total{status=\"ok\"} 1\n"
      "promo_uses_created{status=\"ok\"} 1\n");
  ASSERT_TRUE(p.ok());
  const auto count = [&](std::string_view selector) {
    const MetricSelector s = *parse_metric_selector(selector).selector;
    return std::count_if(p.samples.begin(), p.samples.end(),
                         [&](const PromSample& x) { return s.matches(x); });
  };
  EXPECT_EQ(count("promo_uses_total"), 3);
  EXPECT_EQ(count("promo_uses_total{status=\"ok\"}"), 2);
  EXPECT_EQ(count("promo_uses_total{status!=\"ok\"}"), 1);
  EXPECT_EQ(count("promo_uses_total{promo_code=\"\"}"), 1);  // a missing label is ""
  EXPECT_EQ(count("promo_uses_total{promo_code!=\"\"}"), 2);
  EXPECT_EQ(count("promo_uses_total{status=\"ok\",promo_code=\"A\"}"), 1);
  EXPECT_EQ(count("promo_uses"), 0);
}

}  // namespace
}  // namespace testscope::analysis
