// A GoogleTest program with testscope installed, run by dropped_end_test with a 4 KiB
// buffer (TESTSCOPE_BUFFER_KB=4): each test opens spans, then records far more than the
// buffer holds inside them, then ends them. The fill is lost (and counted); the spans that
// were open when the buffer filled must still end where they ended.
#include <gtest/gtest.h>

#include <thread>

#include "testscope/span.hpp"

namespace {

void fill() {
  for (int i = 0; i < 1000; ++i) {
    testscope::Span span("fill");
    span.set_attribute("i", i);
  }
}

TEST(Drops, OuterSpansEndAfterTheBufferFills) {
  testscope::Span outer("outer");
  {
    testscope::Span inner("inner");
    fill();
  }
  outer.set_attribute("after_the_fill", true);  // dropped: the buffer is full
}

TEST(Drops, OnAnotherThreadToo) {
  std::thread([] {
    testscope::Span worker("worker");
    fill();
  }).join();
}

TEST(Drops, NoneInASmallTest) { testscope::Span small("small"); }

}  // namespace
