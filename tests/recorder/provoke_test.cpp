// Provocation in the recorder (include/testscope/provoke.hpp), against real captures: waits
// happen only when asked, are chosen by the seed alone (the same seed, the same waits on
// every thread and point), are recorded as events, and never change what the code computes.
#include <gtest/gtest.h>
#include <testscope/capture.hpp>
#include <testscope/log.hpp>
#include <testscope/provoke.hpp>
#include <testscope/span.hpp>

#include <array>
#include <set>
#include <string>
#include <thread>
#include <tuple>

namespace testscope {
namespace {

// (thread name, point) of every wait in `record`.
using Waits = std::multiset<std::pair<std::string, std::string>>;

std::string attribute(const EventData& event, const std::string& key) {
  for (const AttributeData& a : event.attributes) {
    if (a.key != key) continue;
    if (const auto* text = std::get_if<std::string>(&a.value)) return *text;
    if (const auto* number = std::get_if<std::int64_t>(&a.value)) return std::to_string(*number);
  }
  return "";
}

Waits waits_of(const TestRecord& record) {
  Waits waits;
  for (const SpanData& span : record.spans) {
    for (const EventData& event : span.events) {
      if (event.name != "testscope.provoke.wait") continue;
      EXPECT_GT(std::stoll(attribute(event, "testscope.provoke.wait_ns")), 0);
      std::string thread;
      for (const ThreadData& t : record.threads) {
        if (t.index == span.thread_index) thread = t.name;
      }
      waits.emplace(thread, attribute(event, "testscope.provoke.point"));
    }
  }
  return waits;
}

// A small workload on two named threads: spans, a log event and an explicit point; returns
// what it computed.
int workload() {
  std::array<int, 2> sums = {0, 0};
  auto worker = [&sums](int which) {
    set_thread_name(which == 0 ? "worker-a" : "worker-b");
    for (int i = 0; i < 20; ++i) {
      Span step("step");
      step.set_attribute("i", i);
      log_event("stepped", {{"i", i}});
      provoke_point("between");
      sums.at(which) += i;
    }
  };
  std::thread a(worker, 0);
  std::thread b(worker, 1);
  a.join();
  b.join();
  return sums[0] + sums[1];
}

std::pair<TestRecord, int> captured(const ProvokeSettings& settings) {
  configure_provocation(settings);
  TestCapture capture;
  TestInfo info;
  info.suite = "Provoke";
  info.name = "Workload";
  capture.begin(info);
  const int result = workload();
  TestRecord record = capture.end(Outcome::kPass);
  configure_provocation({});
  return {std::move(record), result};
}

TEST(Provoke, OffMeansNoWaitAndNoEvent) {
  const auto [record, result] = captured({ProvokeProfile::kOff, 1});
  EXPECT_EQ(result, 2 * 190);
  EXPECT_TRUE(waits_of(record).empty());
}

TEST(Provoke, TheSeedAloneDecidesWhereThreadsWait) {
  const auto [first, first_result] = captured({ProvokeProfile::kLight, 42});
  const auto [again, again_result] = captured({ProvokeProfile::kLight, 42});
  const auto [other, other_result] = captured({ProvokeProfile::kLight, 43});
  EXPECT_EQ(first_result, 2 * 190);  // waits delay; they never change a result
  EXPECT_EQ(again_result, 2 * 190);
  EXPECT_EQ(other_result, 2 * 190);
  const Waits waits = waits_of(first);
  ASSERT_FALSE(waits.empty());
  EXPECT_EQ(waits, waits_of(again));
  EXPECT_NE(waits, waits_of(other));
  std::set<std::string> kinds;
  for (const auto& [thread, point] : waits) {
    EXPECT_TRUE(thread == "worker-a" || thread == "worker-b") << thread;
    kinds.insert(point);
  }
  // Span begins and ends, log events and the explicit point are all points.
  EXPECT_TRUE(kinds.contains("begin step")) << ::testing::PrintToString(kinds);
  EXPECT_TRUE(kinds.contains("end step")) << ::testing::PrintToString(kinds);
  EXPECT_TRUE(kinds.contains("log stepped")) << ::testing::PrintToString(kinds);
  EXPECT_TRUE(kinds.contains("point between")) << ::testing::PrintToString(kinds);
}

// A wait at a point outside any span goes on the test's root span (no buffer begins it;
// the capture makes it): kept there, not dropped as a record of an unknown span.
TEST(Provoke, WaitsOutsideAnySpanAreKeptOnTheTestsRoot) {
  configure_provocation({ProvokeProfile::kLight, 5});
  TestCapture capture;
  TestInfo info;
  info.suite = "Provoke";
  info.name = "Outside";
  capture.begin(info);
  std::thread loner([] {
    set_thread_name("loner");
    for (int i = 0; i < 40; ++i) {
      log_event("outside", {{"i", i}});
      provoke_point("outside");
    }
  });
  loner.join();
  const TestRecord record = capture.end(Outcome::kPass);
  configure_provocation({});
  ASSERT_FALSE(record.spans.empty());
  std::multiset<std::string> points;
  for (const EventData& event : record.spans.front().events) {
    if (event.name == "testscope.provoke.wait") points.insert(attribute(event, "testscope.provoke.point"));
  }
  EXPECT_GT(points.count("log outside"), 0U) << ::testing::PrintToString(points);
  EXPECT_GT(points.count("point outside"), 0U) << ::testing::PrintToString(points);
  EXPECT_EQ(record.orphan_records, 0U);
}

TEST(Provoke, ChaosSlowsWholeThreads) {
  // Over a few seeds, each thread is either slow at (nearly) every point or never waits.
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const Waits waits = waits_of(captured({ProvokeProfile::kChaos, seed}).first);
    for (const char* thread : {"worker-a", "worker-b"}) {
      std::size_t count = 0;
      for (const auto& [name, point] : waits) count += name == thread ? 1 : 0;
      EXPECT_TRUE(count == 0 || count == 80)
          << thread << " waited at " << count << " of 80 points, seed " << seed;
    }
  }
}

TEST(Provoke, ProfilesHaveNames) {
  for (const ProvokeProfile p : {ProvokeProfile::kOff, ProvokeProfile::kLight, ProvokeProfile::kMedium,
                                 ProvokeProfile::kHeavy, ProvokeProfile::kPct, ProvokeProfile::kChaos}) {
    EXPECT_EQ(parse_provoke_profile(provoke_profile_name(p)), p);
  }
  EXPECT_EQ(parse_provoke_profile("Medium"), std::nullopt);
  EXPECT_EQ(parse_provoke_profile(""), std::nullopt);
}

}  // namespace
}  // namespace testscope
