// Spans, attributes, events, status and context propagation, checked on the TestRecord
// that a real capture assembles from the recorder's buffers.
#include "testscope/span.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "testscope/capture.hpp"
#include "testscope/context.hpp"

namespace testscope {
namespace {

TestInfo info(const std::string& name) {
  TestInfo test;
  test.suite = "SpanTest";
  test.name = name;
  return test;
}

const SpanData& named(const TestRecord& record, const std::string& name) {
  for (const SpanData& span : record.spans) {
    if (span.name == name) return span;
  }
  ADD_FAILURE() << "no span named " << name;
  static const SpanData kNone;
  return kNone;
}

const AttributeData* attribute(const std::vector<AttributeData>& attributes, const std::string& key) {
  for (const AttributeData& a : attributes) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

TEST(SpanTest, RecordsNothingWithoutCapture) {
  Span span("outside");
  EXPECT_FALSE(span.is_recording());
  EXPECT_FALSE(span.context().valid());
  span.set_attribute("k", 1).add_event("e").set_error("x");  // all no-ops
  TestCapture capture;
  capture.begin(info("AfterOutside"));
  const TestRecord record = capture.end(Outcome::kPass);
  ASSERT_EQ(record.spans.size(), 1U);  // only the root
}

TEST(SpanTest, NestsOnOneThreadAndRecordsTheCallSite) {
  TestCapture capture;
  capture.begin(info("Nests"));
  const int outer_line = __LINE__ + 2;
  {
    Span outer("outer");
    EXPECT_TRUE(outer.is_recording());
    Span inner("inner");
    EXPECT_EQ(inner.context().trace_id, outer.context().trace_id);
  }
  const TestRecord record = capture.end(Outcome::kPass);
  ASSERT_EQ(record.spans.size(), 3U);
  const SpanData& root = record.spans.front();
  EXPECT_EQ(root.span_id, record.root_span_id);
  EXPECT_EQ(root.name, "SpanTest.Nests");
  const SpanData& outer = named(record, "outer");
  const SpanData& inner = named(record, "inner");
  EXPECT_EQ(outer.parent_span_id, root.span_id);
  EXPECT_EQ(inner.parent_span_id, outer.span_id);
  EXPECT_EQ(outer.trace_id, record.trace_id);
  EXPECT_TRUE(outer.ended);
  EXPECT_LE(outer.start_unix_ns, inner.start_unix_ns);
  EXPECT_LE(inner.end_unix_ns, outer.end_unix_ns);
  EXPECT_GE(outer.start_unix_ns, record.start_unix_ns);
  EXPECT_LE(outer.end_unix_ns, record.end_unix_ns);
  EXPECT_EQ(outer.line, static_cast<std::uint32_t>(outer_line));
  EXPECT_NE(outer.file.find("span_test.cpp"), std::string::npos) << outer.file;
  EXPECT_EQ(outer.function, "TestBody");
}

TEST(SpanTest, KeepsAttributesOfEveryTypeAndTheLastValueOfAKey) {
  TestCapture capture;
  capture.begin(info("Attributes"));
  {
    Span span("attrs");
    const std::string code = "SUMMER20";
    span.set_attribute("s", code)
        .set_attribute("literal", "text")
        .set_attribute("i", 42)
        .set_attribute("u64", std::uint64_t{7})
        .set_attribute("d", 0.25)
        .set_attribute("b", true)
        .set_attribute("i", -1);
  }
  const TestRecord record = capture.end(Outcome::kPass);
  const SpanData& span = named(record, "attrs");
  ASSERT_EQ(span.attributes.size(), 6U);
  EXPECT_EQ(std::get<std::string>(attribute(span.attributes, "s")->value), "SUMMER20");
  EXPECT_EQ(std::get<std::string>(attribute(span.attributes, "literal")->value), "text");
  EXPECT_EQ(std::get<std::int64_t>(attribute(span.attributes, "i")->value), -1);
  EXPECT_EQ(std::get<std::int64_t>(attribute(span.attributes, "u64")->value), 7);
  EXPECT_DOUBLE_EQ(std::get<double>(attribute(span.attributes, "d")->value), 0.25);
  EXPECT_TRUE(std::get<bool>(attribute(span.attributes, "b")->value));
}

TEST(SpanTest, RecordsEventsAndStatus) {
  TestCapture capture;
  capture.begin(info("Events"));
  {
    Span span("work");
    span.add_event("retry", {{"attempt", 2}, {"reason", "busy"}});
    span.set_error("limit reached");
    add_event("free.event", {{"k", true}});  // lands on the current span
  }
  {
    Span ok("fine");
    ok.set_ok();
  }
  const TestRecord record = capture.end(Outcome::kPass);
  const SpanData& span = named(record, "work");
  ASSERT_EQ(span.events.size(), 2U);
  EXPECT_EQ(span.events[0].name, "retry");
  ASSERT_EQ(span.events[0].attributes.size(), 2U);
  EXPECT_EQ(std::get<std::int64_t>(span.events[0].attributes[0].value), 2);
  EXPECT_EQ(std::get<std::string>(span.events[0].attributes[1].value), "busy");
  EXPECT_EQ(span.events[1].name, "free.event");
  EXPECT_GE(span.events[0].time_unix_ns, span.start_unix_ns);
  EXPECT_EQ(span.status, StatusCode::kError);
  EXPECT_EQ(span.status_message, "limit reached");
  EXPECT_EQ(named(record, "fine").status, StatusCode::kOk);
}

TEST(SpanTest, CarriesContextToOtherThreads) {
  TestCapture capture;
  capture.begin(info("Threads"));
  SpanContext parent_context;
  {
    Span parent("parent");
    parent_context = parent.context();
    std::thread wrapped(wrap([] { Span child("wrapped_child"); }));
    wrapped.join();
    std::thread scoped([context = parent.context()] {
      set_thread_name("scoped-thread");
      ContextScope scope(context);
      Span child("scoped_child");
    });
    scoped.join();
    auto result = std::async(std::launch::async, wrap([] {
                               Span child("async_child");
                               return child.context();
                             }));
    EXPECT_TRUE(result.get().valid());
    std::thread plain([] { Span orphan("plain_thread_span"); });
    plain.join();
  }
  const TestRecord record = capture.end(Outcome::kPass);
  const SpanData& parent = named(record, "parent");
  EXPECT_EQ(named(record, "wrapped_child").parent_span_id, parent.span_id);
  EXPECT_EQ(named(record, "scoped_child").parent_span_id, parent.span_id);
  EXPECT_EQ(named(record, "async_child").parent_span_id, parent.span_id);
  EXPECT_NE(named(record, "wrapped_child").thread_index, parent.thread_index);
  // Without a context a thread's spans hang under the test's root span.
  EXPECT_EQ(named(record, "plain_thread_span").parent_span_id, record.root_span_id);
  bool saw_name = false;
  for (const ThreadData& thread : record.threads) saw_name |= thread.name == "scoped-thread";
  EXPECT_TRUE(saw_name);
  EXPECT_GE(record.threads.size(), 4U);
}

TEST(SpanTest, TraceparentRoundTripsAndRejectsMalformedHeaders) {
  const auto parsed =
      SpanContext::from_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id.to_hex(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(span_id_to_hex(parsed->span_id), "b7ad6b7169203331");
  EXPECT_TRUE(parsed->sampled);
  EXPECT_EQ(parsed->to_traceparent(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  const auto unsampled =
      SpanContext::from_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  ASSERT_TRUE(unsampled.has_value());
  EXPECT_FALSE(unsampled->sampled);
  // A later version may append fields.
  EXPECT_TRUE(SpanContext::from_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra")
                  .has_value());
  for (const char* bad : {"", "00", "garbage",
                          "00-00000000000000000000000000000000-b7ad6b7169203331-01",    // zero trace id
                          "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",    // zero span id
                          "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",    // uppercase
                          "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",    // version ff
                          "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x",  // v00 has 4 fields
                          "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                          "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01"}) {
    EXPECT_FALSE(SpanContext::from_traceparent(bad).has_value()) << bad;
  }
}

TEST(SpanTest, JoinsARemoteParent) {
  const auto remote =
      SpanContext::from_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(remote.has_value());
  TestCapture capture;
  capture.begin(info("Remote"), *remote);
  {
    Span span("child_of_remote_test");
    ContextScope scope(*remote);
    Span direct("child_of_remote");
  }
  const TestRecord record = capture.end(Outcome::kPass);
  EXPECT_EQ(record.trace_id, remote->trace_id);
  EXPECT_EQ(record.spans.front().parent_span_id, remote->span_id);
  EXPECT_EQ(named(record, "child_of_remote").parent_span_id, remote->span_id);
  EXPECT_EQ(named(record, "child_of_remote_test").parent_span_id, record.root_span_id);
}

TEST(SpanTest, ReportsSpansStillOpenAtTheEnd) {
  TestCapture capture;
  capture.begin(info("Open"));
  auto open = std::make_unique<Span>("left_open");
  const TestRecord record = capture.end(Outcome::kFail);
  const SpanData& span = named(record, "left_open");
  EXPECT_FALSE(span.ended);
  EXPECT_EQ(span.end_unix_ns, record.end_unix_ns);
  // Ending it during the next test must not leak into that test.
  capture.begin(info("Next"));
  open.reset();
  { Span fresh("fresh"); }
  const TestRecord next = capture.end(Outcome::kPass);
  ASSERT_EQ(next.spans.size(), 2U);
  EXPECT_EQ(next.spans[1].name, "fresh");
  EXPECT_EQ(next.spans[1].parent_span_id, next.root_span_id);
}

TEST(SpanTest, RootSpanDescribesTheTestAndItsFailures) {
  TestCapture capture;
  TestInfo test = info("Root");
  test.file = "root_test.cpp";
  test.line = 12;
  capture.begin(test);
  capture.add_failure(Failure{"root_test.cpp", 14, "Expected: 1\n  Actual: 2", true, 0, ""});
  const TestRecord record = capture.end(Outcome::kFail);
  const SpanData& root = record.spans.front();
  EXPECT_EQ(std::get<std::string>(attribute(root.attributes, "test.suite.name")->value), "SpanTest");
  EXPECT_EQ(std::get<std::string>(attribute(root.attributes, "test.case.name")->value), "SpanTest.Root");
  EXPECT_EQ(std::get<std::string>(attribute(root.attributes, "test.case.result.status")->value), "fail");
  EXPECT_EQ(root.status, StatusCode::kError);
  ASSERT_EQ(root.events.size(), 1U);
  EXPECT_EQ(root.events[0].name, "exception");
  EXPECT_EQ(std::get<std::string>(attribute(root.events[0].attributes, "exception.message")->value),
            "Expected: 1\n  Actual: 2");
  EXPECT_EQ(std::get<std::int64_t>(attribute(root.events[0].attributes, "code.lineno")->value), 14);
  ASSERT_EQ(record.failures.size(), 1U);
  EXPECT_GT(record.failures[0].time_unix_ns, 0);
}

TEST(SpanTest, NamesLongerThanTheSiteCacheAndDynamicNamesStayExact) {
  TestCapture capture;
  capture.begin(info("Names"));
  const std::string long_name(300, 'x');
  for (int i = 0; i < 3; ++i) {
    Span dynamic("step-" + std::to_string(i));  // same call site, different names
    Span long_span(long_name);
  }
  const TestRecord record = capture.end(Outcome::kPass);
  ASSERT_EQ(record.spans.size(), 7U);
  int long_count = 0;
  for (int i = 0; i < 3; ++i) named(record, "step-" + std::to_string(i));
  for (const SpanData& span : record.spans) long_count += span.name == long_name ? 1 : 0;
  EXPECT_EQ(long_count, 3);
}

// `n` bytes that differ from one length to the next.
std::string pattern(std::size_t n) {
  std::string text(n, ' ');
  for (std::size_t i = 0; i < n; ++i) text[i] = static_cast<char>('a' + (i * 7 + n) % 26);
  return text;
}

// `text` with byte `at` changed.
std::string flipped(std::string text, std::size_t at) {
  text[at] = text[at] == 'Z' ? 'Y' : 'Z';
  return text;
}

// The recorder copies and compares names, keys and strings of up to 32 bytes inline (in
// pieces of 4, 8 and 16 bytes) and longer ones otherwise, and caches the call sites of names
// of up to 98 bytes: every length on both sides of those limits comes back exact, from a
// call site's first span and from the next ones, also when a name differs from the cached
// one in its first, middle or last byte only.
TEST(SpanTest, EveryLengthOfNameKeyAndValueComesBackExact) {
  constexpr std::size_t kLongest = 110;
  TestCapture capture;
  capture.begin(info("Lengths"));
  std::vector<std::string> expected;  // names in the order recorded
  for (std::size_t n = 1; n <= kLongest; ++n) {
    const std::string text = pattern(n);
    // Each changed name right after the one it differs from, which the call site's cache holds.
    for (const std::string& name :
         {text, text, flipped(text, 0), text, flipped(text, n / 2), text, flipped(text, n - 1)}) {
      Span span(name);  // one call site for all
      span.set_attribute("k" + name, name).set_attribute("n", static_cast<std::int64_t>(n));
      const AttributeValue runtime_typed =
          expected.size() % 2 == 0 ? AttributeValue(0.5) : AttributeValue(true);
      span.set_attribute("v", runtime_typed);
      expected.push_back(name);
    }
  }
  const TestRecord record = capture.end(Outcome::kPass);
  EXPECT_EQ(record.dropped_records, 0U);
  ASSERT_EQ(record.spans.size(), expected.size() + 1);  // and the root span, first
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const SpanData& span = record.spans[i + 1];
    const std::string& name = expected[i];
    ASSERT_EQ(span.name, name);
    ASSERT_EQ(span.attributes.size(), 3U) << name;
    const AttributeData* text = attribute(span.attributes, "k" + name);
    ASSERT_NE(text, nullptr) << name;
    EXPECT_EQ(std::get<std::string>(text->value), name);
    EXPECT_EQ(std::get<std::int64_t>(attribute(span.attributes, "n")->value),
              static_cast<std::int64_t>(name.size()));
    const AttributeData* typed = attribute(span.attributes, "v");
    ASSERT_NE(typed, nullptr) << name;
    if (i % 2 == 0) {
      EXPECT_DOUBLE_EQ(std::get<double>(typed->value), 0.5) << name;
    } else {
      EXPECT_TRUE(std::get<bool>(typed->value)) << name;
    }
  }
}

}  // namespace
}  // namespace testscope
