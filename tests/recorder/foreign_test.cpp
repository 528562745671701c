// The recorder's entry points for a language binding (testscope/detail/foreign.hpp): lanes
// (a buffer per asyncio task on one OS thread) and spans begun and ended out of C++ scopes.
#include "testscope/detail/foreign.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>

#include "testscope/capture.hpp"
#include "testscope/span.hpp"

namespace testscope {
namespace {

const SpanData* find(const TestRecord& r, const std::string& name) {
  for (const SpanData& s : r.spans) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const ThreadData* thread_of(const TestRecord& r, std::uint32_t index) {
  for (const ThreadData& t : r.threads) {
    if (t.index == index) return &t;
  }
  return nullptr;
}

TEST(ForeignSpans, LanesAreThreadsOfTheirOwnAndSpansInterleave) {
  static const char* const kFile = "test_promo.py";
  static const char* const kFunction = "apply";
  TestCapture capture;
  capture.begin(TestInfo{"", "tests/test_promo.py::test_racy[two users]", "", "", kFile, 3});
  detail::ThreadState* task1 = detail::open_lane("Task-1");
  detail::ThreadState* task2 = detail::open_lane("Task-2");
  ASSERT_NE(task1, nullptr);
  ASSERT_NE(task2, nullptr);
  // Two tasks interleave on this thread: begins and ends are not nested across them.
  detail::ThreadState* previous = detail::enter_lane(task1);
  const detail::ForeignSpan a = detail::begin_foreign_span("apply_a", {}, {}, kFile, kFunction, 10);
  detail::enter_lane(task2);
  const detail::ForeignSpan b = detail::begin_foreign_span("apply_b", {}, {}, kFile, kFunction, 10);
  const detail::ForeignSpan child = detail::begin_foreign_span("db_b", b.context, {}, kFile, kFunction, 11);
  detail::record_foreign_log(child.context, 9, "promo_check", nullptr, 0);
  detail::enter_lane(task1);
  detail::end_foreign_span(a);
  detail::enter_lane(task2);
  detail::end_foreign_span(child);
  detail::end_foreign_span(b);
  detail::enter_lane(previous);
  // An SDK span keeps its own ids.
  SpanContext sdk;
  sdk.trace_id = capture.active() ? current_context().trace_id : TraceId{};
  sdk.span_id = 0x1234;
  const detail::ForeignSpan own = detail::begin_foreign_span("sdk_span", {}, sdk, kFile, kFunction, 12);
  detail::end_foreign_span(own);
  detail::close_lane(task1);  // closed before the test's end: its records still count
  const TestRecord r = capture.end(Outcome::kPass);
  detail::close_lane(task2);

  EXPECT_EQ(r.test.full_name(), "tests/test_promo.py::test_racy[two users]");
  const SpanData* sa = find(r, "apply_a");
  const SpanData* sb = find(r, "apply_b");
  const SpanData* sc = find(r, "db_b");
  const SpanData* ss = find(r, "sdk_span");
  ASSERT_TRUE(sa && sb && sc && ss);
  EXPECT_TRUE(sa->ended && sb->ended && sc->ended);
  EXPECT_EQ(sa->parent_span_id, r.root_span_id);
  EXPECT_EQ(sc->parent_span_id, sb->span_id);
  EXPECT_EQ(ss->span_id, 0x1234U);
  EXPECT_EQ(sa->trace_id, r.trace_id);
  EXPECT_EQ(thread_of(r, sa->thread_index)->name, "Task-1");
  EXPECT_EQ(thread_of(r, sb->thread_index)->name, "Task-2");
  EXPECT_EQ(sc->thread_index, sb->thread_index);
  EXPECT_NE(sa->thread_index, sb->thread_index);
  EXPECT_GE(thread_of(r, sa->thread_index)->os_tid, detail::kLaneTidBase);
  ASSERT_EQ(r.logs.size(), 1U);
  EXPECT_EQ(r.logs[0].span_id, sc->span_id);
  EXPECT_EQ(sa->file, kFile);
  EXPECT_EQ(sa->line, 10U);
}

TEST(ForeignSpans, NothingIsRecordedOutsideACapture) {
  const detail::ForeignSpan span = detail::begin_foreign_span("idle", {}, {}, "f", "g", 1);
  EXPECT_FALSE(span.context.valid());
  detail::end_foreign_span(span);  // a no-op
  EXPECT_FALSE(detail::foreign_root_context().valid());
}

TEST(ForeignSpans, ALaneOpenedOnAnotherThreadRecordsThere) {
  TestCapture capture;
  capture.begin(TestInfo{"Foreign", "Threads", "", "", "f.cpp", 1});
  std::thread other([] {
    detail::ThreadState* lane = detail::open_lane("loop-2-task");
    detail::ThreadState* previous = detail::enter_lane(lane);
    detail::end_foreign_span(detail::begin_foreign_span("on_other", {}, {}, "f", "g", 2));
    detail::enter_lane(previous);
    detail::close_lane(lane);
  });
  other.join();
  const TestRecord r = capture.end(Outcome::kPass);
  const SpanData* s = find(r, "on_other");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(thread_of(r, s->thread_index)->name, "loop-2-task");
}

}  // namespace
}  // namespace testscope
