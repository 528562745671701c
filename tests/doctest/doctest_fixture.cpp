// A doctest program linked with testscope::doctest_main, run as a process by the tests beside
// it: passing, failing (a span before the assertion), throwing, threaded, subcase, template,
// skipped and message-logging test cases, one outside any TEST_SUITE, and one that aborts
// when DOCTEST_FIXTURE_ABORT is set.
#include <doctest/doctest.h>

#include <cstdlib>
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

testscope::LabeledCounter& promo_uses() {
  static testscope::LabeledCounter counter("doctest_fixture_promo_uses_total", "Promo code usage attempts",
                                           {"promo_code", "status"});
  return counter;
}

}  // namespace

TEST_SUITE("Fixture") {
  TEST_CASE("passes") {
    testscope::Span span("passing_work");
    span.set_attribute("answer", 42);
    promo_uses().increment({"SUMMER20", "ok"});
    CHECK(1 + 1 == 2);
  }

  TEST_CASE("fails after a span") {
    testscope::Span span("failing_work");
    span.set_attribute("promo.code", "SUMMER20");
    const int uses = 2;
    INFO("user u1 applied it too");
    CHECK(uses == 1);
  }

  TEST_CASE("throws") {
    testscope::Span span("about_to_throw");
    throw std::runtime_error("boom from the test");
  }

  TEST_CASE("threads") {
    testscope::Span parent("parent");
    std::thread worker(testscope::wrap([] {
      testscope::set_thread_name("worker");
      testscope::Span child("child_on_worker");
    }));
    worker.join();
  }

  // doctest runs it three times: a/b > .., a/b > c, then fails.
  TEST_CASE("subcases/../escape") {
    testscope::Span setup("setup");
    SUBCASE("a/b") {
      testscope::Span inner("in_a_b");
      SUBCASE("..") { CHECK(true); }
      SUBCASE("c") { CHECK(true); }
    }
    SUBCASE("fails") { REQUIRE(1 == 2); }
  }

  TEST_CASE("aborts when asked") {
    testscope::Span finished("finished_before_death");
    finished.set_attribute("how", "abort");
    finished.end();
    if (std::getenv("DOCTEST_FIXTURE_ABORT") == nullptr) return;
    CHECK_MESSAGE(false, "a failure before dying");
    testscope::log_event("about_to_die");
    testscope::Span open("open_at_death");
    std::abort();
  }

  TEST_CASE("never runs" * doctest::skip()) { FAIL("a skipped test ran"); }

  TEST_CASE_TEMPLATE("typed", T, int, double) { CHECK(T{} == T{}); }

  TEST_CASE("messages") {
    MESSAGE("hello from doctest");
    WARN(1 == 2);
  }
}

TEST_CASE("outside any suite") { CHECK(true); }
