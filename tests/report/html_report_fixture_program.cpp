// A GoogleTest program for the HTML report's browser test (html_report_browser_check.py),
// run through `testscope run`: Html.FlakyAcrossThreads records nested spans on three named
// threads, span and log events and a counter, and fails on even executions (flaky across
// executions, as tests/cli's fixture does); Html.Passes always passes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "testscope/context.hpp"
#include "testscope/log.hpp"
#include "testscope/metrics.hpp"
#include "testscope/span.hpp"

namespace {

// The execution's number: TESTSCOPE_ARTIFACTS ends in runs/<n>.
int execution_number() {
  const char* dir = std::getenv("TESTSCOPE_ARTIFACTS");
  if (dir == nullptr) return 1;
  const std::string path(dir);
  return std::atoi(path.substr(path.rfind('/') + 1).c_str());
}

testscope::LabeledCounter& work_items() {
  static testscope::LabeledCounter counter("html_fixture_items_total", "Work items by worker and result",
                                           {"worker", "result"});
  return counter;
}

TEST(Html, FlakyAcrossThreads) {
  const bool fail = execution_number() % 2 == 0;
  std::vector<std::thread> workers;
  for (const std::string worker : {"worker-a", "worker-b"}) {
    workers.emplace_back(testscope::wrap([worker, fail] {
      testscope::set_thread_name(worker);
      testscope::Span request("handle_request");
      request.set_attribute("worker", worker).set_attribute("quote\"<tag>", "</script><b>x</b>");
      {
        testscope::Span read("db.read");
        read.set_attribute("db.operation", "SELECT");
        read.add_event("row_seen", {{"rows", 1}});
      }
      testscope::log_event("decided", {{"worker", worker}, {"fail", fail}});
      testscope::Span write("db.write");
      work_items().increment({worker, fail && worker == "worker-b" ? "late" : "ok"});
    }));
  }
  for (std::thread& worker : workers) worker.join();
  { testscope::Span check("check_result"); }
  EXPECT_FALSE(fail) << "execution " << execution_number() << " is even: both workers wrote";
}

TEST(Html, Passes) {
  testscope::Span span("passing_work");
  EXPECT_EQ(2 + 2, 4);
}

}  // namespace
