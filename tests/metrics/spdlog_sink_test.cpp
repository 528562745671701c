// The spdlog sink (testscope/spdlog_sink.hpp): messages logged through spdlog's default
// logger and a named logger, at every level and from two threads, come out in
// TestRecord::logs with their severity and fields; nothing outside a capture; the
// loggers' other sinks get every message either way.
#include "testscope/spdlog_sink.hpp"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "testscope/capture.hpp"
#include "testscope/span.hpp"

namespace testscope {
namespace {

// Another sink on the same loggers: keeps every payload it is given.
class CollectingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::string> payloads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return payloads_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    payloads_.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

 private:
  std::vector<std::string> payloads_;  // guarded by base_sink's mutex_
};

const AttributeData* find_field(const LogData& log, const std::string& key) {
  for (const AttributeData& field : log.fields) {
    if (field.key == key) return &field;
  }
  return nullptr;
}

std::string string_field(const LogData& log, const std::string& key) {
  const AttributeData* field = find_field(log, key);
  if (field == nullptr || !std::holds_alternative<std::string>(field->value)) return "<missing>";
  return std::get<std::string>(field->value);
}

// "promo t=1 r=2 l=3": the first word, and the numbers by name.
struct ParsedEvent {
  std::string first_word;
  std::map<std::string, int> numbers;

  int number(const std::string& name) const {
    auto it = numbers.find(name);
    return it != numbers.end() ? it->second : -1;
  }
};

ParsedEvent parse_event(const std::string& event) {
  ParsedEvent parsed;
  std::istringstream in(event);
  in >> parsed.first_word;
  std::string word;
  while (in >> word) {
    const std::size_t eq = word.find('=');
    if (eq != std::string::npos) parsed.numbers[word.substr(0, eq)] = std::stoi(word.substr(eq + 1));
  }
  return parsed;
}

// Loggers of these tests: the default logger replaced by one writing to `collected`
// (not to the console), and a named logger "promo" writing to `collected` too.
class SpdlogSinkTest : public testing::Test {
 protected:
  void SetUp() override {
    previous_default_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("", collected_));
    spdlog::set_level(spdlog::level::trace);
    promo_ = std::make_shared<spdlog::logger>("promo", collected_);
    promo_->set_level(spdlog::level::trace);
  }
  void TearDown() override { spdlog::set_default_logger(previous_default_); }

  CollectingSink& collected() { return *collected_; }
  const std::shared_ptr<spdlog::logger>& promo() { return promo_; }

 private:
  std::shared_ptr<CollectingSink> collected_ = std::make_shared<CollectingSink>();
  std::shared_ptr<spdlog::logger> promo_;
  std::shared_ptr<spdlog::logger> previous_default_;
};

TEST_F(SpdlogSinkTest, CaptureSpdlogIsAOneLinerAndIdempotent) {
  const std::shared_ptr<SpdlogSink> sink = capture_spdlog();
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(capture_spdlog(), sink);
  EXPECT_EQ(spdlog::default_logger()->sinks().size(), 2U);
  const std::shared_ptr<SpdlogSink> promo_sink = capture_spdlog(*promo());
  ASSERT_NE(promo_sink, nullptr);
  EXPECT_EQ(capture_spdlog(*promo()), promo_sink);
  EXPECT_EQ(promo()->sinks().size(), 2U);
  EXPECT_NE(make_spdlog_sink(), nullptr);
}

TEST_F(SpdlogSinkTest, LevelsMapToSeverities) {
  EXPECT_EQ(to_severity(spdlog::level::trace), Severity::kTrace);
  EXPECT_EQ(to_severity(spdlog::level::debug), Severity::kDebug);
  EXPECT_EQ(to_severity(spdlog::level::info), Severity::kInfo);
  EXPECT_EQ(to_severity(spdlog::level::warn), Severity::kWarn);
  EXPECT_EQ(to_severity(spdlog::level::err), Severity::kError);
  EXPECT_EQ(to_severity(spdlog::level::critical), Severity::kFatal);
  EXPECT_EQ(to_severity(spdlog::level::off), Severity::kInfo);
}

TEST_F(SpdlogSinkTest, MessagesFromTwoThreadsAreCapturedWithSeverityAndFields) {
  capture_spdlog();
  promo()->sinks().push_back(make_spdlog_sink());
  constexpr int kRounds = 50;
  constexpr std::array<spdlog::level::level_enum, 6> kLevels = {
      spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
      spdlog::level::warn,  spdlog::level::err,   spdlog::level::critical};

  spdlog::info("before the test {}", 1);
  promo()->warn("before the test {}", 2);

  TestCapture capture;
  capture.begin(TestInfo{"SpdlogSinkTest", "TwoThreads", "", "", __FILE__, __LINE__});
  std::array<std::uint64_t, 2> span_ids = {};
  std::atomic<int> source_line{0};
  auto log_from = [&](int thread) {
    Span span("logging");
    span_ids.at(static_cast<std::size_t>(thread)) = span.context().span_id;
    for (int round = 0; round < kRounds; ++round) {
      for (spdlog::level::level_enum level : kLevels) {
        spdlog::log(level, "default t={} r={} l={}", thread, round, static_cast<int>(level));
        promo()->log(level, "promo t={} r={} l={}", thread, round, static_cast<int>(level));
      }
      source_line = __LINE__ + 1;
      SPDLOG_LOGGER_INFO(promo(), "with source t={} r={}", thread, round);
    }
  };
  std::thread other(log_from, 1);
  log_from(0);
  other.join();
  const TestRecord record = capture.end(Outcome::kPass);

  spdlog::error("after the test");

  constexpr std::size_t kPerThread = std::size_t{kRounds} * (2 * kLevels.size() + 1);
  ASSERT_EQ(record.logs.size(), 2 * kPerThread);
  std::map<std::string, int> seen;
  for (const LogData& log : record.logs) {
    const ParsedEvent parsed = parse_event(log.event);
    const int thread = parsed.number("t");
    const std::string logger = string_field(log, "logger");
    if (parsed.first_word == "with") {  // "with source t=.. r=.."
      EXPECT_EQ(logger, "promo");
      EXPECT_EQ(log.severity, Severity::kInfo);
      EXPECT_EQ(string_field(log, "code.filepath"), __FILE__);
      EXPECT_NE(string_field(log, "code.function").find("operator()"), std::string::npos)
          << string_field(log, "code.function");
      const AttributeData* line = find_field(log, "code.lineno");
      ASSERT_NE(line, nullptr);
      ASSERT_TRUE(std::holds_alternative<std::int64_t>(line->value));
      EXPECT_EQ(std::get<std::int64_t>(line->value), source_line.load());
    } else {  // "default t=.. r=.. l=.." or "promo t=.. r=.. l=.."
      EXPECT_EQ(logger, parsed.first_word == "promo" ? "promo" : "") << log.event;
      EXPECT_EQ(log.severity, to_severity(static_cast<spdlog::level::level_enum>(parsed.number("l"))))
          << log.event;
      EXPECT_EQ(find_field(log, "code.filepath"), nullptr) << "no call site without the SPDLOG_ macros";
      EXPECT_EQ(log.fields.size(), 1U);
    }
    ASSERT_TRUE(thread == 0 || thread == 1) << log.event;
    EXPECT_EQ(log.span_id, span_ids.at(static_cast<std::size_t>(thread))) << log.event;
    EXPECT_EQ(log.trace_id, record.trace_id);
    ++seen[log.event];
  }
  EXPECT_EQ(seen.size(), record.logs.size()) << "every message exactly once";

  // The collecting sink got everything, inside the capture and out.
  const std::vector<std::string> all = collected().payloads();
  EXPECT_EQ(all.size(), 2 * kPerThread + 3);
  EXPECT_EQ(all.front(), "before the test 1");
  EXPECT_EQ(all.back(), "after the test");
  for (const LogData& log : record.logs) {
    EXPECT_EQ(log.event.find("the test"), std::string::npos) << log.event;
  }
}

TEST_F(SpdlogSinkTest, TheSinkLevelFiltersAndLoggerLevelAppliesFirst) {
  std::shared_ptr<SpdlogSink> sink = capture_spdlog(*promo());
  ASSERT_NE(sink, nullptr);
  sink->set_level(spdlog::level::warn);
  sink->set_pattern("%v ignored");  // no formatter: accepted, no effect
  auto quiet = std::make_shared<spdlog::logger>("quiet", make_spdlog_sink());  // logger level: info

  TestCapture capture;
  capture.begin(TestInfo{"SpdlogSinkTest", "Levels", "", "", __FILE__, __LINE__});
  promo()->info("info is below the sink's level");
  promo()->warn("warn passes");
  quiet->debug("debug is below the logger's level");
  quiet->info("info passes");
  const TestRecord record = capture.end(Outcome::kPass);

  ASSERT_EQ(record.logs.size(), 2U);
  EXPECT_EQ(record.logs[0].event, "warn passes");
  EXPECT_EQ(record.logs[0].severity, Severity::kWarn);
  EXPECT_EQ(record.logs[1].event, "info passes");
  EXPECT_EQ(string_field(record.logs[1], "logger"), "quiet");
  EXPECT_EQ(record.logs[1].span_id, record.root_span_id);
  EXPECT_EQ(collected().payloads().size(), 2U);  // promo's other sink: info and warn
}

}  // namespace
}  // namespace testscope
