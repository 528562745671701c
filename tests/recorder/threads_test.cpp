// Many threads recording at once: every span is present exactly once, with the exact
// parent it had, and every thread is listed.
#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "testscope/capture.hpp"
#include "testscope/span.hpp"

namespace testscope {
namespace {

constexpr int kThreads = 8;
constexpr int kSpansPerThread = 10'000;

std::int64_t int_attribute(const SpanData& span, const std::string& key) {
  for (const AttributeData& a : span.attributes) {
    if (a.key == key) return std::get<std::int64_t>(a.value);
  }
  ADD_FAILURE() << span.name << " has no attribute " << key;
  return -1;
}

// Each thread opens a "thread" span, then alternates: even steps open a span that stays
// open for the next (odd) step, which becomes its child. So parentage alternates between
// the thread span and the previous step.
void record_thread(int thread) {
  Span top("thread");
  top.set_attribute("t", thread).set_attribute("seq", -1);
  for (int seq = 0; seq < kSpansPerThread - 1; seq += 2) {
    Span outer("outer");
    outer.set_attribute("t", thread).set_attribute("seq", seq);
    Span inner("inner");
    inner.set_attribute("t", thread).set_attribute("seq", seq + 1);
  }
}

TEST(ThreadsTest, EightThreadsTenThousandSpansEachAreAllPresentWithExactParents) {
  TestCapture capture;
  capture.begin(TestInfo{"ThreadsTest", "Many", "", "", "", 0});
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(record_thread, t);
  for (std::thread& t : threads) t.join();
  const TestRecord record = capture.end(Outcome::kPass);

  EXPECT_EQ(record.dropped_records, 0U);
  // root + per thread: one "thread" span + kSpansPerThread
  ASSERT_EQ(record.spans.size(), 1U + kThreads * (1U + kSpansPerThread));
  std::map<std::pair<std::int64_t, std::int64_t>, const SpanData*> by_key;
  std::map<std::uint64_t, const SpanData*> by_id;
  for (std::size_t i = 1; i < record.spans.size(); ++i) {
    const SpanData& span = record.spans[i];
    EXPECT_TRUE(span.ended);
    const auto key = std::make_pair(int_attribute(span, "t"), int_attribute(span, "seq"));
    EXPECT_TRUE(by_key.emplace(key, &span).second)
        << "duplicate span t=" << key.first << " seq=" << key.second;
    EXPECT_TRUE(by_id.emplace(span.span_id, &span).second) << "duplicate span id";
  }
  for (const auto& [key, span] : by_key) {
    const auto [thread, seq] = key;
    if (seq == -1) {
      EXPECT_EQ(span->parent_span_id, record.root_span_id);
      continue;
    }
    const std::int64_t parent_seq = seq % 2 == 0 ? -1 : seq - 1;
    const SpanData* parent = by_key.at({thread, parent_seq});
    ASSERT_EQ(span->parent_span_id, parent->span_id) << "t=" << thread << " seq=" << seq;
    EXPECT_EQ(span->thread_index, parent->thread_index);
    EXPECT_LE(parent->start_unix_ns, span->start_unix_ns);
  }
  EXPECT_GE(record.threads.size(), static_cast<std::size_t>(kThreads));
}

}  // namespace
}  // namespace testscope
