// Writes an artifact tree of sample records for otlp_check.py: every attribute type,
// NaN and infinities, invalid UTF-8, unicode, empty strings, an unfinished span, deep
// nesting, several threads, a remote parent, a test without spans.
//
//   otlp_write_samples OUT_DIR     (OUT_DIR is emptied first)
//
// Exit status 0 when every file was written, 1 otherwise (the error is printed).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "testscope/artifacts.hpp"
#include "testscope/capture.hpp"
#include "testscope/context.hpp"
#include "testscope/span.hpp"

namespace {

using testscope::AttributeData;
using testscope::Outcome;
using testscope::Span;
using testscope::SpanData;
using testscope::TestRecord;

// Functions, not std::string globals: a global's constructor may throw before main.
// Invalid UTF-8, including an encoded surrogate (ED A0 80).
std::string invalid_utf8() { return std::string("bad\xff\xfe\xc3(") + "\xed\xa0\x80"; }
std::string unicode() { return "Тест ✓ 中文 🚀"; }
constexpr double kInf = std::numeric_limits<double>::infinity();

AttributeData attr(std::string key, std::variant<std::string, std::int64_t, double, bool> value) {
  return AttributeData{std::move(key), std::move(value)};
}

// Hand-built: every attribute type and hostile value, deterministic ids and times.
TestRecord attribute_types() {
  TestRecord r;
  r.test = testscope::TestInfo{"Samples", "AttributeTypes", "", "", "write_samples.cpp", 1};
  r.outcome = Outcome::kFail;
  r.start_unix_ns = 1'700'000'000'000'000'000;
  r.end_unix_ns = r.start_unix_ns + 2'000'000;
  r.trace_id = testscope::TraceId{0x0af7651916cd43ddULL, 0x8448eb211c80319cULL};
  r.root_span_id = 0xb7ad6b7169203331ULL;
  r.threads = {testscope::ThreadData{0, 7, unicode()}, testscope::ThreadData{1, 8, invalid_utf8()}};
  SpanData root;
  root.trace_id = r.trace_id;
  root.span_id = r.root_span_id;
  root.name = r.test.full_name();
  root.start_unix_ns = r.start_unix_ns;
  root.end_unix_ns = r.end_unix_ns;
  root.status = testscope::StatusCode::kError;
  root.status_message = invalid_utf8();
  SpanData all = root;
  all.span_id = 0x0000000000000001ULL;
  all.parent_span_id = root.span_id;
  all.name = "";
  all.thread_index = 1;
  all.status = testscope::StatusCode::kOk;
  all.status_message.clear();
  all.start_unix_ns += 10;
  all.attributes = {attr("string", std::string("text")),
                    attr("empty", std::string()),
                    attr("", std::string("empty key")),
                    attr("unicode", unicode()),
                    attr("invalid", invalid_utf8()),
                    attr(invalid_utf8(), std::string("invalid key")),
                    attr("control", std::string("a\tb\nc\x01\x7f") + std::string(1, '\0')),
                    attr("int.zero", std::int64_t{0}),
                    attr("int.min", std::numeric_limits<std::int64_t>::min()),
                    attr("int.max", std::numeric_limits<std::int64_t>::max()),
                    attr("double", 0.1),
                    attr("double.negative_zero", -0.0),
                    attr("double.denorm", std::numeric_limits<double>::denorm_min()),
                    attr("double.max", std::numeric_limits<double>::max()),
                    attr("double.nan", std::nan("")),
                    attr("double.inf", kInf),
                    attr("double.ninf", -kInf),
                    attr("bool.true", true),
                    attr("bool.false", false)};
  all.events.push_back(testscope::EventData{unicode(), all.start_unix_ns + 5, all.attributes});
  all.events.push_back(testscope::EventData{"", all.start_unix_ns + 6, {}});
  SpanData open = all;
  open.span_id = 0x00000000000000ffULL;
  open.parent_span_id = all.span_id;
  open.name = unicode();
  open.ended = false;
  open.attributes.clear();
  open.events.clear();
  open.status = testscope::StatusCode::kUnset;
  r.spans = {root, all, open};
  r.failures.push_back(
      testscope::Failure{invalid_utf8(), 3, unicode() + "\n" + invalid_utf8(), true, r.start_unix_ns, ""});
  return r;
}

void nest(int depth) {
  Span span("level");
  span.set_attribute("depth", depth);
  if (depth > 0) nest(depth - 1);
}

// A real capture: deep nesting on two threads, an error, an unfinished span.
TestRecord deep_nesting() {
  testscope::TestCapture capture;
  capture.begin(testscope::TestInfo{"Samples", "DeepNesting", "", "", __FILE__, __LINE__});
  {
    Span outer("outer");
    nest(40);
    std::thread worker(testscope::wrap([] {
      testscope::set_thread_name("worker");
      Span work("work");
      nest(20);
      work.add_event("done", {{"levels", 20}, {"ok", true}, {"ratio", 0.5}, {"who", "worker"}});
      work.set_error("failed on purpose");
    }));
    worker.join();
  }
  auto open = std::make_unique<Span>("still_open");
  capture.add_failure(testscope::Failure{__FILE__, __LINE__, "Expected: 1\n  Actual: 2", true, 0, ""});
  TestRecord record = capture.end(Outcome::kFail);
  open.reset();
  return record;
}

// A real capture with a hostile parameterized name, a remote parent, hostile values
// through the Span API, and a crash.
TestRecord hostile_names() {
  const auto parent =
      testscope::SpanContext::from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  testscope::TestCapture capture;
  capture.begin(
      testscope::TestInfo{"Inst/Samples " + unicode(), "Case/0", "", "\"" + invalid_utf8() + "\"", "", 0},
      parent.value_or(testscope::SpanContext{}));
  {
    Span span(invalid_utf8());
    span.set_attribute(invalid_utf8(), invalid_utf8())
        .set_attribute("", "")
        .set_attribute("nan", std::nan(""))
        .set_attribute("inf", kInf)
        .set_attribute("u64", std::numeric_limits<std::uint64_t>::max())
        .set_attribute("float", 1.5F)
        .set_attribute("unicode", unicode());
    span.add_event(unicode(), {{"", ""}, {invalid_utf8(), -kInf}});
    Span empty("");
    empty.set_error("");
  }
  capture.add_failure(testscope::Failure{"", 0, "", false, 0, ""});
  return capture.end(Outcome::kCrash);
}

// A real capture of a skipped test that recorded nothing but its root span.
TestRecord root_only() {
  testscope::TestCapture capture;
  capture.begin(testscope::TestInfo{"Samples", "RootOnly", "", "", __FILE__, __LINE__});
  return capture.end(Outcome::kSkip);
}

// No spans at all (a record the capture could not assemble).
TestRecord no_spans() {
  TestRecord r;
  r.test = testscope::TestInfo{"Samples", "NoSpans", "", "", "", 0};
  r.outcome = Outcome::kTimeout;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  std::error_code ec;
  std::filesystem::remove_all(argv[1], ec);
  const testscope::ArtifactWriter writer(argv[1]);
  testscope::RunInfo run = testscope::describe_this_run(argc, argv);
  int status = 0;
  auto report = [&](const std::string& error) {
    if (!error.empty()) {
      std::fprintf(stderr, "write_samples: %s\n", error.c_str());
      status = 1;
    }
  };
  report(writer.write_run(run));
  const std::vector<TestRecord> records = {attribute_types(), deep_nesting(), hostile_names(), root_only(),
                                           no_spans()};
  for (const TestRecord& record : records) {
    report(writer.write_test(record, run));
    ++run.tests_run;
    if (record.outcome == Outcome::kSkip) {
      ++run.tests_skipped;
    } else if (record.outcome != Outcome::kPass) {
      ++run.tests_failed;
    }
  }
  run.end_unix_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  run.exit_status = 0;
  report(writer.write_run(run));
  if (status == 0) std::printf("write_samples: %zu tests written under %s\n", records.size(), argv[1]);
  return status;
}
