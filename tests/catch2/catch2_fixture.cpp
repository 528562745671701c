// A Catch2 program linked with testscope::catch2_main, run as a process by the tests beside it:
// passing, failing (after a span), throwing and threaded test cases; sections and generators;
// a name with '/', '..', quotes, a comma, a backslash and brackets; and hidden ones picked by
// tag: two names that differ only in case ([twins]) and one that aborts ([abort]).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include "testscope/log.hpp"
#include "testscope/metrics.hpp"
#include "testscope/span.hpp"

// The runner is what these tests observe: an abort must end the process by its signal, as it
// would without a sanitizer. The framework's own handler for fatal signals allocates (not
// our code), which ThreadSanitizer would report and, with halt_on_error, turn into exit 66.
// NOLINTBEGIN(bugprone-reserved-identifier,readability-identifier-naming): the sanitizers' names
extern "C" const char* __asan_default_options() { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0"; }
extern "C" const char* __tsan_default_options() {
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:report_signal_unsafe=0";
}
// NOLINTEND(bugprone-reserved-identifier,readability-identifier-naming)

namespace {

testscope::LabeledCounter& fixture_uses() {
  static testscope::LabeledCounter counter("catch2_fixture_uses_total", "Uses counted by the fixture",
                                           {"status"});
  return counter;
}

TEST_CASE("passes", "[basic]") {
  testscope::Span span("passing_work");
  span.set_attribute("answer", 42);
  testscope::log_event("passing_log", {{"answer", 42}});
  fixture_uses().increment({"ok"}, 2);
  CHECK(1 + 1 == 2);
}

TEST_CASE("fails after a span", "[basic]") {
  testscope::Span span("failing_work");
  span.set_attribute("promo.code", "SUMMER20");
  const int uses = 2;
  INFO("first failure");
  CHECK(uses == 1);
  FAIL_CHECK("second failure");
}

TEST_CASE("throws", "[basic]") {
  testscope::Span span("about_to_throw");
  throw std::runtime_error("boom from the test");
}

TEST_CASE("threads", "[basic]") {
  testscope::Span parent("parent");
  std::thread worker(testscope::wrap([] {
    testscope::set_thread_name("worker");
    testscope::Span child("child_on_worker");
  }));
  worker.join();
  CHECK(true);
}

// Six runs: each value of the generator through each leaf section, in Catch2's order.
TEST_CASE("sections and generators", "[sections]") {
  const int value = GENERATE(1, 2);
  testscope::Span span("generated");
  span.set_attribute("value", value);
  SECTION("outer/one") {
    SECTION("inner ..") { CHECK(value > 0); }
    SECTION("inner two") { CHECK(value < 3); }
  }
  SECTION("../outer two") { CHECK(value != 0); }
}

TEST_CASE("fails in a section", "[sections]") {
  SECTION("first") { CHECK(true); }
  SECTION("second") {
    SECTION("deeper") { REQUIRE(1 == 2); }
  }
}

TEST_CASE("a/../weird, \"name\" \\ with [brackets]", "[names]") { CHECK(true); }

TEST_CASE("Twin", "[.twins]") { CHECK(true); }
TEST_CASE("twin", "[.twins]") { CHECK(true); }

// Dies inside the test case after a finished span, a log event, a failed check, a span left
// open on a helper thread and one open on its own thread.
TEST_CASE("aborts", "[.abort]") {
  {
    testscope::Span done("finished_before_death");
    done.set_attribute("how", "abort");
  }
  testscope::log_event("about_to_die", {{"how", "abort"}});
  CHECK_FALSE("a failure before dying");
  std::promise<void> started;
  std::thread([&started] {
    testscope::Span open("open_on_helper_thread");
    started.set_value();
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }).detach();
  started.get_future().wait();
  testscope::Span open("open_at_death");
  std::abort();
}

}  // namespace
