// A tiny hand-rolled test framework and its testscope front: the example of
// docs/frameworks.md, run as a process by tiny_framework_test.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "testscope/harness.hpp"
#include "testscope/span.hpp"

// ---- The framework, as you have it: named test functions and CHECK --------------------------
namespace tiny {

struct Test {
  const char* suite;
  const char* name;
  void (*body)();
  const char* file;
  int line;
  std::string full_name() const { return std::string(suite) + "." + name; }
};
std::vector<Test>& all_tests() {
  static std::vector<Test> tests;
  return tests;
}
struct Registrar {
  explicit Registrar(const Test& test) noexcept { all_tests().push_back(test); }
};
// Where a failed CHECK goes; the runner points it at the current test.
std::function<void(const char* file, int line, const char* message)> report_failure;

}  // namespace tiny

// NOLINTNEXTLINE(cppcoreguidelines-macro-usage,readability-identifier-naming): the framework's macros
#define TINY_TEST(suite, name)                                                                           \
  void suite##_##name();                                                                                 \
  const tiny::Registrar suite##_##name##_registrar({#suite, #name, suite##_##name, __FILE__, __LINE__}); \
  void suite##_##name()
// NOLINTNEXTLINE(cppcoreguidelines-macro-usage,readability-identifier-naming)
#define CHECK(condition) \
  ((condition) ? (void)0 : tiny::report_failure(__FILE__, __LINE__, "CHECK(" #condition ") failed"))

// ---- The front: the framework's runner, driving a testscope::TestSession --------------------
int main(int argc, char** argv) {
  testscope::FrontInfo front;
  front.framework = "tiny";
  // Takes --testscope-* out of argv; reads TESTSCOPE_* too. Problems: warnings on stderr.
  testscope::TestSession session =
      testscope::TestSession::from_command_line(&argc, argv, testscope::FlagStyle::kDash, front);
  for (int i = 1; i < argc; ++i) std::fprintf(stderr, "tiny: unknown argument %s\n", argv[i]);

  // Quarantine `skip` first; then the runner's shard and shuffle (testscope run --shard/--shuffle).
  std::vector<const tiny::Test*> selected;
  for (const tiny::Test& test : tiny::all_tests()) {
    if (!session.is_skipped(test.full_name())) selected.push_back(&test);
  }
  const testscope::SessionOptions& options = session.options();
  const std::vector<std::size_t> order =
      testscope::run_order(selected.size(), options.shard, options.shuffle_seed);

  session.begin_program(static_cast<std::int64_t>(options.shuffle_seed.value_or(0)));
  int failed = 0;
  for (const std::size_t position : order) {
    const tiny::Test& test = *selected[position];
    testscope::TestInfo info;
    info.suite = test.suite;
    info.name = test.name;
    info.file = test.file;
    info.line = test.line;
    session.begin_test(info);
    std::atomic<bool> ok{true};
    tiny::report_failure = [&](const char* file, int line, const char* message) {
      ok = false;
      std::printf("%s:%d: %s\n", file, line, message);
      testscope::Failure failure;
      failure.file = file;
      failure.line = line;
      failure.message = message;
      failure.fatal = false;
      session.add_failure(std::move(failure));  // an "exception" event on the test's root span
    };
    try {
      test.body();
    } catch (const std::exception& e) {
      tiny::report_failure(test.file, test.line, e.what());
    }
    session.end_test(ok ? testscope::Outcome::kPass : testscope::Outcome::kFail);
    std::printf("%s %s\n", ok ? "[ok]    " : "[FAILED]", test.full_name().c_str());  // the framework's line
    session.finish_test();  // then testscope's: [QUARANTINED], the timeline, the artifacts
    if (!ok) ++failed;
  }
  std::printf("%zu tests, %d failed\n", order.size(), failed);
  return session.end_program(failed > 0 ? 1 : 0);  // 0 when every failure was quarantined (run mode)
}

// ---- The tests ------------------------------------------------------------------------------
TINY_TEST(Promo, AppliesOnce) {
  testscope::Span span("apply_promo");
  span.set_attribute("promo.code", "SUMMER20");
  CHECK(1 + 1 == 2);
}

TINY_TEST(Promo, RacyApply) {  // fails: both threads apply the single-use code
  std::atomic<int> uses{0};
  testscope::Span span("racy_apply");
  std::thread worker(testscope::wrap([&] {
    testscope::Span apply("apply_on_worker");
    ++uses;
  }));
  ++uses;
  worker.join();
  CHECK(uses == 1);
}

TINY_TEST(Cart, Totals) {
  testscope::Span span("cart_total");
  CHECK(3 * 4 == 12);
}

TINY_TEST(Cart, Empty) { CHECK(std::string().empty()); }
