// log_event (testscope/log.hpp) through a real TestCapture: complete and ordered across
// threads, correlated with the span current where each event was logged, every field
// type and severity kept, nothing recorded outside a capture.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "testscope/capture.hpp"
#include "testscope/log.hpp"
#include "testscope/span.hpp"

namespace testscope {
namespace {

const AttributeData* find_field(const LogData& log, const std::string& key) {
  for (const AttributeData& field : log.fields) {
    if (field.key == key) return &field;
  }
  return nullptr;
}

std::int64_t int_field(const LogData& log, const std::string& key) {
  const AttributeData* field = find_field(log, key);
  if (field == nullptr || !std::holds_alternative<std::int64_t>(field->value)) {
    ADD_FAILURE() << log.event << " has no int field " << key;
    return -1;
  }
  return std::get<std::int64_t>(field->value);
}

TEST(LogEventTest, FourThreadsThousandEventsEachAreCompleteOrderedAndCarryTheirSpan) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 1'000;
  // expected_span[t][seq]: the span current when thread t logged event seq (0: the root).
  std::vector<std::vector<std::uint64_t>> expected_span(kThreads, std::vector<std::uint64_t>(kPerThread, 0));

  TestCapture capture;
  capture.begin(TestInfo{"LogEventTest", "FourThreads", "", "", __FILE__, __LINE__});
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&expected_span, t] {
      // Every third event outside any span; the others in a span, some in a nested one.
      for (int seq = 0; seq < kPerThread; ++seq) {
        if (seq % 3 == 0) {
          log_event("tick", {{"thread", t}, {"seq", seq}});
        } else {
          Span outer("work");
          if (seq % 3 == 1) {
            expected_span[t][seq] = outer.context().span_id;
            log_event("tick", {{"thread", t}, {"seq", seq}});
          } else {
            Span inner("step");
            expected_span[t][seq] = inner.context().span_id;
            log_event("tick", {{"thread", t}, {"seq", seq}});
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const TestRecord record = capture.end(Outcome::kPass);

  EXPECT_EQ(record.dropped_records, 0U);
  ASSERT_EQ(record.logs.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::map<std::int64_t, int> next_seq;                // per logging thread ("thread" field)
  std::map<std::int64_t, std::uint32_t> thread_index;  // and the recorder's index of it
  for (std::size_t i = 0; i < record.logs.size(); ++i) {
    const LogData& log = record.logs[i];
    if (i > 0) {
      ASSERT_LE(record.logs[i - 1].time_unix_ns, log.time_unix_ns) << "not in timestamp order at " << i;
    }
    EXPECT_EQ(log.event, "tick");
    EXPECT_EQ(log.severity, Severity::kInfo);
    EXPECT_EQ(log.trace_id, record.trace_id);
    EXPECT_GE(log.time_unix_ns, record.start_unix_ns);
    EXPECT_LE(log.time_unix_ns, record.end_unix_ns);
    const std::int64_t thread = int_field(log, "thread");
    const std::int64_t seq = int_field(log, "seq");
    ASSERT_TRUE(thread >= 0 && thread < kThreads && seq >= 0 && seq < kPerThread) << thread << "/" << seq;
    ASSERT_EQ(seq, next_seq[thread]++) << "thread " << thread << " out of the order logged";
    auto [it, first] = thread_index.emplace(thread, log.thread_index);
    EXPECT_EQ(it->second, log.thread_index) << "thread " << thread << " changed index";
    const std::uint64_t span = expected_span[thread][seq];
    EXPECT_EQ(log.span_id, span != 0 ? span : record.root_span_id) << "thread " << thread << " seq " << seq;
    if (span != 0) {
      ASSERT_NE(record.find_span(log.span_id), nullptr);
    }
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next_seq[t], kPerThread) << "thread " << t;
  EXPECT_EQ(thread_index.size(), static_cast<std::size_t>(kThreads));
}

TEST(LogEventTest, FieldsOfEveryTypeAndEverySeverityAreKept) {
  const std::string owned = "owned string";
  TestCapture capture;
  capture.begin(TestInfo{"LogEventTest", "Fields", "", "", __FILE__, __LINE__});
  std::uint64_t span_id = 0;
  {
    Span span("apply_promo");
    span_id = span.context().span_id;
    log_event("promo_applied", {{"code", "SUMMER20"},
                                {"user", owned},
                                {"view", std::string_view("a view")},
                                {"uses", 2},
                                {"big", std::int64_t{-9'000'000'000}},
                                {"unsigned", 7U},
                                {"ratio", 0.25},
                                {"single", 1.5F},
                                {"first", true},
                                {"last", false},
                                {"", "empty key"}});
  }
  constexpr std::array<Severity, 6> kSeverities = {Severity::kTrace, Severity::kDebug, Severity::kInfo,
                                                   Severity::kWarn,  Severity::kError, Severity::kFatal};
  for (Severity severity : kSeverities) log_event(to_string(severity), {}, severity);
  log_event("no_fields");
  const TestRecord record = capture.end(Outcome::kPass);

  ASSERT_EQ(record.logs.size(), 8U);
  const LogData& applied = record.logs[0];
  EXPECT_EQ(applied.event, "promo_applied");
  EXPECT_EQ(applied.span_id, span_id);
  EXPECT_EQ(applied.severity, Severity::kInfo);
  using Value = std::variant<std::string, std::int64_t, double, bool>;
  const std::vector<std::pair<std::string, Value>> expected = {{"code", std::string("SUMMER20")},
                                                               {"user", std::string("owned string")},
                                                               {"view", std::string("a view")},
                                                               {"uses", std::int64_t{2}},
                                                               {"big", std::int64_t{-9'000'000'000}},
                                                               {"unsigned", std::int64_t{7}},
                                                               {"ratio", 0.25},
                                                               {"single", 1.5},
                                                               {"first", true},
                                                               {"last", false},
                                                               {"", std::string("empty key")}};
  ASSERT_EQ(applied.fields.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(applied.fields[i].key, expected[i].first) << i;
    EXPECT_EQ(applied.fields[i].value, expected[i].second) << applied.fields[i].key;
  }
  for (std::size_t i = 0; i < 6; ++i) {
    const LogData& log = record.logs[1 + i];
    EXPECT_EQ(log.severity, kSeverities[i]);
    EXPECT_EQ(log.event, to_string(kSeverities[i]));
    EXPECT_TRUE(log.fields.empty());
    EXPECT_EQ(log.span_id, record.root_span_id) << "logged outside any span: the root span";
  }
  EXPECT_EQ(record.logs[7].event, "no_fields");
  EXPECT_EQ(to_string(Severity::kWarn), "WARN");
  EXPECT_EQ(to_string(Severity::kFatal), "FATAL");
}

TEST(LogEventTest, NothingIsRecordedWithoutACapture) {
  log_event("before_any_capture", {{"n", 1}});
  TestCapture capture;
  log_event("before_begin", {{"n", 2}});
  capture.begin(TestInfo{"LogEventTest", "First", "", "", __FILE__, __LINE__});
  log_event("during_first");
  const TestRecord first = capture.end(Outcome::kPass);
  log_event("between_tests", {{"n", 3}});
  std::thread([] { log_event("between_tests_other_thread"); }).join();

  capture.begin(TestInfo{"LogEventTest", "Second", "", "", __FILE__, __LINE__});
  log_event("during_second");
  const TestRecord second = capture.end(Outcome::kPass);
  log_event("after_end");

  ASSERT_EQ(first.logs.size(), 1U);
  EXPECT_EQ(first.logs[0].event, "during_first");
  ASSERT_EQ(second.logs.size(), 1U);
  EXPECT_EQ(second.logs[0].event, "during_second");
  EXPECT_EQ(second.logs[0].span_id, second.root_span_id);
}

TEST(LogEventTest, LongEventNamesAndValuesAreKeptOrClampedNeverLost) {
  const std::string long_value(20'000, 'v');  // longer than the recorder keeps (8 KiB)
  TestCapture capture;
  capture.begin(TestInfo{"LogEventTest", "Long", "", "", __FILE__, __LINE__});
  log_event("long", {{"value", long_value}});
  log_event(long_value);
  const TestRecord record = capture.end(Outcome::kPass);
  ASSERT_EQ(record.logs.size(), 2U);
  ASSERT_EQ(record.logs[0].fields.size(), 1U);
  const auto& kept = std::get<std::string>(record.logs[0].fields[0].value);
  EXPECT_FALSE(kept.empty());
  EXPECT_EQ(kept, long_value.substr(0, kept.size()));
  EXPECT_FALSE(record.logs[1].event.empty());
  EXPECT_EQ(record.logs[1].event, long_value.substr(0, record.logs[1].event.size()));
}

}  // namespace
}  // namespace testscope
