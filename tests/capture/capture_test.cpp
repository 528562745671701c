// TestCapture (src/capture/capture.cpp): the record a real capture of spans on several
// threads assembles, and a test's root span joining a remote trace (TRACEPARENT).
#include "testscope/capture.hpp"

#include <gtest/gtest.h>

#include "testscope/span.hpp"
#include "writer_fixture.hpp"

namespace testscope {

// RealCapture's capture (writer_fixture.hpp), made here.
void RealCapture::SetUpTestSuite() { capture_at(SourceLocation::current()); }

namespace {

TEST_F(RealCapture, RecordHasTheExpectedShape) {
  const TestRecord& r = *record_;
  ASSERT_EQ(r.spans.size(), 6U);  // root, outer, wrapped_work, scoped_work, scoped_inner, left_open
  EXPECT_EQ(r.spans[0].span_id, r.root_span_id);
  for (const char* name : {"outer", "wrapped_work", "scoped_work", "scoped_inner", "left_open"}) {
    EXPECT_NE(span_named(name), nullptr) << name;
  }
  EXPECT_GE(r.threads.size(), 3U);
  EXPECT_FALSE(span_named("left_open")->ended);
  EXPECT_EQ(span_named("wrapped_work")->parent_span_id, span_named("outer")->span_id);
  EXPECT_EQ(span_named("scoped_work")->parent_span_id, span_named("outer")->span_id);
  EXPECT_EQ(span_named("scoped_inner")->parent_span_id, span_named("scoped_work")->span_id);
  EXPECT_NE(span_named("wrapped_work")->thread_index, span_named("outer")->thread_index);
  EXPECT_NE(span_named("scoped_work")->thread_index, span_named("wrapped_work")->thread_index);
  EXPECT_EQ(r.failures.size(), 2U);
}

TEST(CaptureWithParent, RootJoinsTheRemoteTrace) {
  const auto parent =
      SpanContext::from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(parent.has_value());
  TestCapture capture;
  capture.begin(TestInfo{"Remote", "Parent", "", "", "f.cpp", 1}, *parent);
  { Span child("child"); }
  const TestRecord record = capture.end(Outcome::kPass);
  const json doc = parse(otlp_json(record, hand_run()));
  const json& spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"];
  ASSERT_EQ(spans.size(), 2U);
  EXPECT_EQ(spans[0]["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(spans[0]["parentSpanId"], "00f067aa0ba902b7");
  EXPECT_EQ(spans[0]["status"], json::object());  // a passing test leaves the status unset
  EXPECT_EQ(otlp_attributes(spans[0]["attributes"]).at("test.case.result.status"), str_value("pass"));
  EXPECT_EQ(spans[1]["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(spans[1]["parentSpanId"], spans[0]["spanId"]);
  EXPECT_EQ(parse(summary_json(record))["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
}

}  // namespace
}  // namespace testscope
