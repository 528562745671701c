// A user's test: instrumented code opens spans, hands work to another thread with
// testscope::wrap, and the test links testscope::gtest_main to capture it all.
// Every public header is included so that each is compiled as C++17 by a user.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "testscope/artifacts.hpp"
#include "testscope/attribute.hpp"
#include "testscope/capture.hpp"
#include "testscope/context.hpp"
#include "testscope/gtest.hpp"
#include "testscope/log.hpp"
#include "testscope/metrics.hpp"
#include "testscope/metrics_endpoint.hpp"
#include "testscope/pushgateway.hpp"
#include "testscope/span.hpp"
#include "testscope/timeline.hpp"

static_assert(__cplusplus == 201703L, "the consumer project must build as exactly C++17");

namespace {

struct SeenOnWorker {
  testscope::SpanContext attached;  // the worker's current context before its own span
  testscope::SpanContext child;
};

// The user's code under test: a parent span, and a child on a worker thread.
testscope::SpanContext checkout(const std::string& user, SeenOnWorker* seen) {
  testscope::Span span("consumer.checkout");
  span.set_attribute("user.id", user)
      .set_attribute("cart.items", 3)
      .set_attribute("cart.total", 12.5)
      .set_attribute("cart.gift", true);
  span.add_event("cart.loaded", {{"items", 3}});

  std::thread worker(testscope::wrap([seen] {
    testscope::set_thread_name("consumer-worker");
    seen->attached = testscope::current_context();
    testscope::Span child("consumer.charge");
    child.set_attribute("payment.method", "card");
    seen->child = child.context();
  }));
  worker.join();
  return span.context();
}

}  // namespace

TEST(ConsumerTest, SpanWithChildOnAnotherThread) {
  SeenOnWorker seen;
  const testscope::SpanContext parent = checkout("alice", &seen);

  // testscope::gtest_main captures every test, so the spans were recorded ...
  ASSERT_TRUE(parent.valid());
  ASSERT_TRUE(seen.child.valid());
  // ... and wrap() made the parent span current on the worker, so its span is a child.
  EXPECT_EQ(seen.attached.span_id, parent.span_id);
  EXPECT_EQ(seen.child.trace_id, parent.trace_id);
  EXPECT_NE(seen.child.span_id, parent.span_id);
  EXPECT_EQ(testscope::current_context().trace_id, parent.trace_id);
}

TEST(ConsumerTest, TraceparentRoundTrip) {
  const auto context =
      testscope::SpanContext::from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(context.has_value());
  EXPECT_EQ(context->to_traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}
