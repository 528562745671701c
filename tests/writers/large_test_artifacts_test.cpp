// ArtifactWriter::write_test on tests of many spans (issue 14, item 10): the traces and logs
// are written to their files in pieces, never whole in memory, and what lands on disk is
// byte for byte what the string writers (otlp_json, chrome_trace_json, logs_jsonl) give,
// parsed back span by span. Each test is its own process (gtest_discover_tests), so
// getrusage's peak resident size measures this test alone.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "writer_fixture.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;

// A test of `spans` spans on `threads` threads: each span with two attributes, every tenth
// with an event, every fifth with a log event; a few names and values need escaping.
TestRecord many_spans(std::size_t spans, std::uint32_t threads) {
  TestRecord r;
  r.test = TestInfo{"Big", "ManySpans", "", "", "/src/big_test.cpp", 7};
  r.outcome = Outcome::kPass;
  r.start_unix_ns = kStart;
  r.end_unix_ns = kStart + static_cast<std::int64_t>(spans) * 1000 + 1000;
  r.trace_id = kTrace;
  r.root_span_id = 1;
  for (std::uint32_t t = 0; t < threads; ++t) {
    r.threads.push_back(ThreadData{t, 5000 + t, "worker-" + std::to_string(t)});
  }
  r.spans.reserve(spans);
  r.logs.reserve(spans / 5 + 1);
  for (std::size_t i = 0; i < spans; ++i) {
    SpanData s;
    s.trace_id = kTrace;
    s.span_id = i + 1;
    s.parent_span_id = i == 0 ? 0 : 1;
    s.name = i % 97 == 0 ? "step \"" + std::to_string(i) + "\"\n" : "step";
    s.start_unix_ns = kStart + static_cast<std::int64_t>(i) * 1000;
    s.end_unix_ns = s.start_unix_ns + 500;
    s.thread_index = static_cast<std::uint32_t>(i % threads);
    s.attributes = {attr("item", static_cast<std::int64_t>(i)), attr("ratio", 0.5)};
    if (i % 10 == 0) {
      s.events.push_back(EventData{"tick", s.start_unix_ns + 10, {attr("n", std::int64_t{1})}});
    }
    if (i % 5 == 0) {
      LogData log;
      log.time_unix_ns = s.start_unix_ns + 20;
      log.severity = Severity::kInfo;
      log.event = "progress";
      log.fields = {attr("item", static_cast<std::int64_t>(i))};
      log.trace_id = kTrace;
      log.span_id = s.span_id;
      log.thread_index = s.thread_index;
      r.logs.push_back(std::move(log));
    }
    r.spans.push_back(std::move(s));
  }
  return r;
}

RunInfo run_info() {
  RunInfo run;
  run.argv = {"/opt/bin/big_tests"};
  run.pid = 4242;
  run.start_unix_ns = kStart;
  return run;
}

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The process's peak resident size so far, in bytes.
std::size_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-union-access): glibc declares ru_maxrss in a union
  return static_cast<std::size_t>(usage.ru_maxrss) * 1024;
}

class LargeTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::remove_all(root_); }
  void TearDown() override { fs::remove_all(root_); }
  const fs::path& root() const { return root_; }

 private:
  fs::path root_ = fs::temp_directory_path() / ("testscope_large_test_" + std::to_string(getpid()));
};

// 30,000 spans: about 20 MB of OTLP, written in some twenty pieces.
TEST_F(LargeTest, FilesAreWhatTheStringWritersGiveAndParseBack) {
  const TestRecord record = many_spans(30000, 8);
  const RunInfo run = run_info();
  const ArtifactWriter writer(root().string());
  ASSERT_EQ(writer.write_test(record, run), "");
  const fs::path dir = writer.test_dir(record);

  const std::string otlp = file_text(dir / "trace.otlp.json");
  EXPECT_GT(otlp.size(), std::size_t{8} << 20U) << "too small to be written in several pieces";
  EXPECT_EQ(otlp, otlp_json(record, run));
  EXPECT_EQ(file_text(dir / "trace.chrome.json"), chrome_trace_json(record, run));
  EXPECT_EQ(file_text(dir / "logs.jsonl"), logs_jsonl(record));

  const json doc = parse(otlp);
  const json& spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"];
  ASSERT_EQ(spans.size(), record.spans.size());
  for (std::size_t i = 0; i < spans.size(); i += 997) {
    EXPECT_EQ(spans[i]["name"], record.spans[i].name);
    EXPECT_EQ(spans[i]["spanId"], span_id_to_hex(record.spans[i].span_id));
    EXPECT_EQ(spans[i]["startTimeUnixNano"], std::to_string(record.spans[i].start_unix_ns));
  }
  EXPECT_EQ(spans.back()["spanId"], span_id_to_hex(record.spans.back().span_id));
  const json chrome = parse(file_text(dir / "trace.chrome.json"));
  std::size_t slices = 0;
  for (const json& event : chrome["traceEvents"]) slices += event["ph"] == "X" ? 1 : 0;
  EXPECT_EQ(slices, record.spans.size());
  std::ifstream logs(dir / "logs.jsonl");
  std::size_t lines = 0;
  for (std::string line; std::getline(logs, line); ++lines) {
    if (lines % 1000 == 0) {
      EXPECT_EQ(parse(line)["fields"]["item"], lines * 5);
    }
  }
  EXPECT_EQ(lines, record.logs.size());
  for (const auto& entry : fs::recursive_directory_iterator(root())) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << "left behind: " << entry.path();
  }
}

// 200,000 spans: about 90 MB of OTLP and 35 MB of Chrome trace. Held whole, as they were,
// the writer needed twice the OTLP document at its peak; streamed, a megabyte or so.
TEST_F(LargeTest, WritingDoesNotHoldTheDocuments) {
  const TestRecord record = many_spans(200000, 64);
  const RunInfo run = run_info();
  const ArtifactWriter writer(root().string());
  const std::size_t before = peak_resident_bytes();
  ASSERT_EQ(writer.write_test(record, run), "");
  const std::size_t growth = peak_resident_bytes() - before;
  const std::uintmax_t otlp_bytes = fs::file_size(fs::path(writer.test_dir(record)) / "trace.otlp.json");
  EXPECT_GT(otlp_bytes, std::uintmax_t{64} << 20U);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  (void)growth;  // the sanitizers' allocators keep freed memory (quarantine): peak size is theirs
#else
  EXPECT_LT(growth, otlp_bytes / 4) << "the peak resident size grew by " << (growth >> 20U) << " MiB writing "
                                    << (otlp_bytes >> 20U) << " MiB of OTLP";
#endif
}

}  // namespace
}  // namespace testscope
