// Runs with TESTSCOPE_BUFFER_KB=64 (see CMakeLists.txt): a test that records more than
// a buffer holds loses the excess, counts it, and the next test starts with room again.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "testscope/capture.hpp"
#include "testscope/span.hpp"

namespace testscope {
namespace {

TEST(BufferFullTest, DropsAreCountedAndTheNextTestRecordsAgain) {
  ASSERT_STREQ(std::getenv("TESTSCOPE_BUFFER_KB"), "64") << "run through ctest";
  TestCapture capture;
  capture.begin(TestInfo{"BufferFullTest", "Overflow", "", "", "", 0});
  for (int i = 0; i < 10'000; ++i) {
    Span span("fill");
    span.set_attribute("i", i);
  }
  const TestRecord full = capture.end(Outcome::kPass);
  EXPECT_GT(full.dropped_records, 0U);
  EXPECT_LT(full.spans.size(), 10'001U);
  EXPECT_GT(full.spans.size(), 100U);
  // Whatever survived is whole: after the first drop nothing more is written but the ends
  // of spans already begun, whose begins kept room for them.
  std::size_t unfinished = 0;
  for (const SpanData& span : full.spans) unfinished += span.ended ? 0 : 1;
  EXPECT_EQ(unfinished, 0U);

  capture.begin(TestInfo{"BufferFullTest", "Next", "", "", "", 0});
  for (int i = 0; i < 10; ++i) Span span("small");
  const TestRecord next = capture.end(Outcome::kPass);
  EXPECT_EQ(next.dropped_records, 0U);
  EXPECT_EQ(next.spans.size(), 11U);
}

}  // namespace
}  // namespace testscope
