// Full buffers in a real test program (issue 14, item 14): a span begun before its thread's
// buffer filled showed as still open ("unfinished") because its end record was dropped with
// the rest, and nothing on stderr said that records were lost. Now a span's begin keeps room
// for its end, and each test that lost records says so in one warning.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "subprocess.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testscope::testing_support::run_process;
using testscope::testing_support::slurp;

class DroppedEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = fs::temp_directory_path() / ("dropped_end_test_" + std::to_string(getpid()));
    fs::remove_all(out_);
    result_ = run_process({DROPPED_END_PROGRAM, "--testscope_console=never"},
                          {"TESTSCOPE_BUFFER_KB=4", "TESTSCOPE_ARTIFACTS=" + out_.string()});
    ASSERT_EQ(result_.exit_code, 0) << result_.out << result_.err;
  }
  void TearDown() override { fs::remove_all(out_); }

  json summary(const std::string& test) { return json::parse(slurp(out_ / "tests" / test / "summary.json")); }

  // The spans of a test's trace.otlp.json by name: whether each is marked unfinished.
  std::map<std::string, bool> unfinished_by_name(const std::string& test) {
    std::map<std::string, bool> spans;
    const json trace = json::parse(slurp(out_ / "tests" / test / "trace.otlp.json"));
    for (const json& resource : trace["resourceSpans"]) {
      for (const json& scope : resource["scopeSpans"]) {
        for (const json& span : scope["spans"]) {
          bool unfinished = false;
          for (const json& a : span["attributes"]) {
            unfinished = unfinished || a["key"] == "testscope.span.unfinished";
          }
          spans[span["name"].get<std::string>()] = spans[span["name"].get<std::string>()] || unfinished;
        }
      }
    }
    return spans;
  }

  std::vector<std::string> warnings() const {
    std::vector<std::string> lines;
    std::istringstream in(result_.err);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("testscope: warning:", 0) == 0) lines.push_back(line);
    }
    return lines;
  }

  fs::path out_;  // NOLINT(*-non-private-member-variables-in-classes): the fixture's, for its tests
  testscope::testing_support::ProcessResult result_;  // NOLINT(*-non-private-member-variables-in-classes)
};

TEST_F(DroppedEndTest, SpansOpenWhenTheBufferFilledStillEnd) {
  for (const char* test : {"Drops.OuterSpansEndAfterTheBufferFills", "Drops.OnAnotherThreadToo"}) {
    const json s = summary(test);
    EXPECT_GT(s["counts"]["dropped_records"], 0) << test;
    EXPECT_EQ(s["counts"]["unfinished_spans"], 0) << test << ": " << s["counts"].dump();
  }
  const auto outer = unfinished_by_name("Drops.OuterSpansEndAfterTheBufferFills");
  ASSERT_TRUE(outer.count("outer") == 1 && outer.count("inner") == 1) << "the open spans were recorded";
  EXPECT_FALSE(outer.at("outer"));
  EXPECT_FALSE(outer.at("inner"));
  const auto worker = unfinished_by_name("Drops.OnAnotherThreadToo");
  ASSERT_EQ(worker.count("worker"), 1U);
  EXPECT_FALSE(worker.at("worker"));
}

TEST_F(DroppedEndTest, EachTestThatLostRecordsWarnsOnce) {
  const auto lines = warnings();
  ASSERT_EQ(lines.size(), 2U) << result_.err;
  EXPECT_NE(lines[0].find("Drops.OuterSpansEndAfterTheBufferFills: "), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("Drops.OnAnotherThreadToo: "), std::string::npos) << lines[1];
  const auto dropped = summary("Drops.OuterSpansEndAfterTheBufferFills")["counts"]["dropped_records"];
  EXPECT_NE(lines[0].find(dropped.dump() + " records dropped"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("TESTSCOPE_BUFFER_KB"), std::string::npos) << lines[0];
  EXPECT_EQ(summary("Drops.NoneInASmallTest")["counts"]["dropped_records"], 0);
}

}  // namespace
