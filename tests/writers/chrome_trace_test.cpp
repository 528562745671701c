// chrome_trace_json() (trace.chrome.json): metadata, complete events, instants and flows
// between threads, for the hand-built record and for a real capture.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "writer_fixture.hpp"

namespace testscope {

// RealCapture's capture (writer_fixture.hpp), made here.
void RealCapture::SetUpTestSuite() { capture_at(SourceLocation::current()); }

namespace {

// Keys repeated inside one JSON object (nlohmann keeps the last silently; readers differ).
std::vector<std::string> duplicate_keys(const std::string& text) {
  struct Sax : nlohmann::json_sax<json> {
    std::vector<std::set<std::string>> objects;
    std::vector<std::string> duplicates;
    bool null() override { return true; }
    bool boolean(bool /*val*/) override { return true; }
    bool number_integer(number_integer_t /*val*/) override { return true; }
    bool number_unsigned(number_unsigned_t /*val*/) override { return true; }
    bool number_float(number_float_t /*val*/, const string_t& /*s*/) override { return true; }
    bool string(string_t& /*val*/) override { return true; }
    bool binary(binary_t& /*val*/) override { return true; }
    bool start_object(std::size_t /*elements*/) override {
      objects.emplace_back();
      return true;
    }
    bool key(string_t& k) override {
      if (!objects.back().insert(k).second) duplicates.push_back(k);
      return true;
    }
    bool end_object() override {
      objects.pop_back();
      return true;
    }
    bool start_array(std::size_t /*elements*/) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                     const nlohmann::detail::exception& /*ex*/) override {
      return false;
    }
  } sax;
  EXPECT_TRUE(json::sax_parse(text, &sax)) << "invalid JSON";
  return sax.duplicates;
}

// Checks what every chrome trace must satisfy, given the record it came from.
void check_chrome_structure(const json& doc, const TestRecord& record, std::int64_t pid) {
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(doc["traceEvents"].is_array());
  std::map<std::uint32_t, std::uint64_t> tid_of;
  for (const ThreadData& t : record.threads) tid_of[t.index] = t.os_tid;

  // One thread_name per thread, on the thread's OS tid.
  std::map<std::uint64_t, std::string> names;
  for (const json& m : events_of(doc, "M")) {
    EXPECT_EQ(m["pid"], pid);
    if (m["name"] == "thread_name") {
      EXPECT_EQ(names.count(m["tid"].get<std::uint64_t>()), 0U) << "two names for one thread";
      names[m["tid"].get<std::uint64_t>()] = m["args"]["name"].get<std::string>();
    }
  }
  ASSERT_EQ(names.size(), record.threads.size());
  for (const ThreadData& t : record.threads) {
    ASSERT_EQ(names.count(t.os_tid), 1U) << "no thread_name for tid " << t.os_tid;
    EXPECT_NE(names[t.os_tid].find(t.name), std::string::npos) << names[t.os_tid];
  }

  // One complete event per span, in microseconds from the test's start, on its thread.
  const std::vector<json> complete = events_of(doc, "X");
  ASSERT_EQ(complete.size(), record.spans.size());
  for (std::size_t i = 0; i < complete.size(); ++i) {
    const SpanData& span = record.spans[i];
    const json& x = complete[i];
    SCOPED_TRACE(span.name);
    EXPECT_EQ(x["name"], span.name);
    EXPECT_EQ(x["pid"], pid);
    EXPECT_EQ(x["tid"].get<std::uint64_t>(), tid_of.at(span.thread_index));
    ASSERT_TRUE(x["ts"].is_number());
    ASSERT_TRUE(x["dur"].is_number());
    EXPECT_NEAR(x["ts"].get<double>(),
                static_cast<double>(span.start_unix_ns - record.start_unix_ns) / 1000.0, 1e-3);
    EXPECT_NEAR(x["dur"].get<double>(), static_cast<double>(span.end_unix_ns - span.start_unix_ns) / 1000.0,
                1e-3);
    EXPECT_GE(x["dur"].get<double>(), 0.0);
    EXPECT_EQ(x["args"]["span_id"], span_id_to_hex(span.span_id));
    EXPECT_EQ(x["cat"], span.span_id == record.root_span_id ? "test" : "span");
  }

  // Flows: one s/f pair per cross-thread parent link, with matching ids.
  std::size_t cross_thread = 0;
  for (const SpanData& span : record.spans) {
    const SpanData* parent = record.find_span(span.parent_span_id);
    if (parent != nullptr && parent->thread_index != span.thread_index) ++cross_thread;
  }
  const std::vector<json> starts = events_of(doc, "s");
  const std::vector<json> finishes = events_of(doc, "f");
  EXPECT_EQ(starts.size(), cross_thread);
  EXPECT_EQ(finishes.size(), cross_thread);
  std::set<std::uint64_t> start_ids;
  for (const json& s : starts) start_ids.insert(s["id"].get<std::uint64_t>());
  EXPECT_EQ(start_ids.size(), starts.size()) << "flow ids must be unique";
  for (const json& f : finishes) {
    EXPECT_EQ(start_ids.count(f["id"].get<std::uint64_t>()), 1U) << f;
    EXPECT_EQ(f["bp"], "e");
  }
}

TEST(ChromeTrace, HandRecordFieldByField) {
  const TestRecord record = hand_record();
  const RunInfo run = hand_run();
  const std::string text = chrome_trace_json(record, run);
  EXPECT_TRUE(duplicate_keys(text).empty());
  const json doc = parse(text);
  check_chrome_structure(doc, record, 4242);
  EXPECT_EQ(doc["displayTimeUnit"], "ns");
  EXPECT_EQ(doc["otherData"]["test"], "Suite.Case");
  EXPECT_EQ(doc["otherData"]["trace_id"], kTraceHex);
  EXPECT_EQ(doc["otherData"]["outcome"], "fail");

  const std::vector<json> meta = events_of(doc, "M");
  ASSERT_FALSE(meta.empty());
  EXPECT_EQ(meta[0]["name"], "process_name");
  EXPECT_EQ(meta[0]["args"]["name"], "Suite.Case");

  const std::vector<json> x = events_of(doc, "X");
  ASSERT_EQ(x.size(), 4U);
  EXPECT_EQ(x[0]["ts"], 0.0);
  EXPECT_EQ(x[0]["dur"], 5000.0);
  EXPECT_EQ(x[0]["tid"], kMainTid);
  EXPECT_EQ(x[0]["args"]["status"], "ERROR: Expected: 1\n  Actual: 2");
  EXPECT_FALSE(x[0]["args"].contains("parent_span_id"));
  EXPECT_EQ(x[1]["name"], "load");
  EXPECT_EQ(x[1]["ts"], 100.0);
  EXPECT_EQ(x[1]["dur"], 1000.0);
  EXPECT_EQ(x[1]["args"]["parent_span_id"], "1111111111111111");
  EXPECT_EQ(x[1]["args"]["db.system"], "sqlite");
  EXPECT_EQ(x[1]["args"]["rows"], -12);
  EXPECT_EQ(x[1]["args"]["ratio"], 0.25);
  EXPECT_EQ(x[1]["args"]["cache.hit"], true);
  EXPECT_FALSE(x[1]["args"].contains("status"));
  EXPECT_EQ(x[2]["name"], "work");
  EXPECT_EQ(x[2]["tid"], kWorkerTid);
  EXPECT_EQ(x[2]["ts"], 1500.0);
  EXPECT_EQ(x[2]["dur"], 2000.0);
  EXPECT_EQ(x[2]["args"]["status"], "ERROR: limit reached");
  EXPECT_EQ(x[3]["name"], "open");
  EXPECT_EQ(x[3]["args"]["unfinished"], true);
  EXPECT_EQ(x[3]["dur"], 2000.0);

  const std::vector<json> instants = events_of(doc, "i");
  ASSERT_EQ(instants.size(), 2U);
  EXPECT_EQ(instants[0]["name"], "exception");
  EXPECT_EQ(instants[0]["tid"], kMainTid);
  EXPECT_EQ(instants[0]["ts"], 4000.0);
  EXPECT_EQ(instants[0]["s"], "t");
  EXPECT_EQ(instants[0]["args"]["exception.message"], "Expected: 1\n  Actual: 2");
  EXPECT_EQ(instants[1]["name"], "retry");
  EXPECT_EQ(instants[1]["tid"], kWorkerTid);
  EXPECT_EQ(instants[1]["ts"], 2000.0);
  EXPECT_EQ(instants[1]["args"],
            (json{{"attempt", 2}, {"reason", "busy"}, {"backoff", 1.5}, {"last", false}}));

  // Exactly one flow: root (main) -> work (worker); "open" is on work's own thread.
  const std::vector<json> s = events_of(doc, "s");
  const std::vector<json> f = events_of(doc, "f");
  ASSERT_EQ(s.size(), 1U);
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(s[0]["id"], f[0]["id"]);
  EXPECT_EQ(s[0]["tid"], kMainTid);
  EXPECT_EQ(f[0]["tid"], kWorkerTid);
  EXPECT_EQ(s[0]["ts"], 1500.0);  // inside the parent's slice, where the child began
  EXPECT_EQ(f[0]["ts"], 1500.0);
  EXPECT_EQ(s[0]["cat"], "flow");
  EXPECT_EQ(f[0]["bp"], "e");
}

TEST(ChromeTrace, ArgsKeysStayUniqueWhenAttributesUseTheWritersNames) {
  // span_id, parent_span_id, status and unfinished are written into args beside the
  // span's attributes; an attribute of the same name must not repeat the key.
  TestRecord record = hand_record();
  for (SpanData& span : record.spans) {
    span.attributes.push_back(attr("span_id", std::string("user")));
    span.attributes.push_back(attr("parent_span_id", std::string("user")));
    span.attributes.push_back(attr("status", std::string("user")));
    span.attributes.push_back(attr("unfinished", std::string("user")));
  }
  const std::string text = chrome_trace_json(record, hand_run());
  const std::vector<std::string> duplicates = duplicate_keys(text);
  EXPECT_TRUE(duplicates.empty()) << "repeated keys: " << ::testing::PrintToString(duplicates);
}

TEST(ChromeTrace, FlowStartIsClampedIntoTheParentSlice) {
  TestRecord record = hand_record();
  // The worker's span starts after its parent ended (a detached task): the arrow must still
  // leave from inside the parent's slice.
  record.spans[0].end_unix_ns = kStart + 1'000'000;
  record.end_unix_ns = kStart + 5'000'000;
  const json doc = parse(chrome_trace_json(record, hand_run()));
  const std::vector<json> s = events_of(doc, "s");
  ASSERT_EQ(s.size(), 1U);
  EXPECT_EQ(s[0]["ts"], 1000.0);
}

TEST_F(RealCapture, ChromeTrace) {
  const TestRecord& r = *record_;
  const json doc = parse(chrome_trace_json(r, *run_));
  check_chrome_structure(doc, r, getpid());
  // outer (main) -> wrapped_work and outer -> scoped_work cross threads; scoped_inner does not.
  EXPECT_EQ(events_of(doc, "s").size(), 2U);
  EXPECT_EQ(events_of(doc, "f").size(), 2U);
  EXPECT_EQ(events_of(doc, "i").size(), 4U);
  const std::vector<json> x = events_of(doc, "X");
  EXPECT_EQ(x[0]["ts"], 0.0);
  // Every span lies within the test (with slack for the tick clock's calibration).
  const double test_us = static_cast<double>(r.duration_ns()) / 1000.0;
  for (const json& e : x) {
    EXPECT_GE(e["ts"].get<double>(), 0.0);
    EXPECT_LE(e["ts"].get<double>() + e["dur"].get<double>(), test_us * 1.1 + 1000.0);
  }
}

}  // namespace
}  // namespace testscope
