// The doctest front: doctest's reporter events translated into a TestSession
// (testscope/harness.hpp) by a listener, so that the user's reporters stay; quarantine `skip`
// and TESTSCOPE_SHARD as doctest's test-case-exclude filter, TESTSCOPE_SHUFFLE_SEED as its
// --order-by=rand --rand-seed.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "testscope/doctest.hpp"
#include "testscope/harness.hpp"
#include "testscope/log.hpp"
#include "testscope/span.hpp"

namespace testscope::doctest {
namespace {

namespace assert_type = ::doctest::assertType;

// doctest's largest --rand-seed: it parses the value as an int.
constexpr std::uint64_t kMaxRandSeed = INT_MAX;
// What doctest reports, in its own exception event, when an exception leaves a subcase; it
// reports the exception itself once the test case has been left.
constexpr std::string_view kSubcasePlaceholder = "exception thrown in subcase - will translate later";

void warn(const std::string& text) { std::fprintf(stderr, "testscope: warning: %s\n", text.c_str()); }

template <typename F>
void guard(F&& f) noexcept {
  try {
    f();
  } catch (...) {
    warn("internal error, test results are unaffected");
  }
}

// What install() set up, for the listener doctest creates in each Context::run() and for run().
struct Installed {
  std::optional<TestSession> session;
  std::vector<std::string> args;  // the command line without testscope's flags, for the listing
  // While run() lists the test cases: the listener collects them here.
  bool listing = false;
  std::vector<const ::doctest::TestCaseData*> listed;
  bool case_sensitive = false;
};

Installed& installed() {
  static Installed state;
  return state;
}

TestSession* session() {
  Installed& state = installed();
  return state.session && !state.listing ? &*state.session : nullptr;
}

// Every TestCaseData doctest hands out is a registered detail::TestCase.
const ::doctest::detail::TestCase& registered(const ::doctest::TestCaseData& test) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-static-cast-downcast): not polymorphic; always a TestCase
  return static_cast<const ::doctest::detail::TestCase&>(test);
}

TestInfo describe(const ::doctest::TestCaseData& test) {
  TestInfo info;
  const char* suite = test.m_test_suite;
  info.suite = suite != nullptr && *suite != '\0'
                   ? std::string(suite)
                   : std::filesystem::path(test.m_file.c_str()).stem().string();
  info.name = test.m_name != nullptr ? test.m_name : "";
  if (registered(test).m_template_id != -1) info.type_param = registered(test).m_type.c_str();
  info.file = test.m_file.c_str();
  info.line = static_cast<int>(test.m_line);
  return info;
}

// doctest's default order (--order-by=file): file, line, then a template's instantiations.
bool file_order(const ::doctest::TestCaseData* a, const ::doctest::TestCaseData* b) {
  const int file = std::strcmp(a->m_file.c_str(), b->m_file.c_str());
  if (file != 0) return file < 0;
  if (a->m_line != b->m_line) return a->m_line < b->m_line;
  return registered(*a).m_template_id < registered(*b).m_template_id;
}

// "CHECK( a == b ) is NOT correct!\n  values: CHECK( 1 == 2 )", as doctest's console says it.
std::string describe_assert(const ::doctest::AssertData& a) {
  std::ostringstream out;
  const char* macro = ::doctest::assertString(a.m_at);
  const std::string exception = a.m_exception.c_str();
  if ((a.m_at & assert_type::is_throws_as) != 0 && (a.m_at & assert_type::is_throws_with) != 0) {
    out << macro << "( " << a.m_expr << ", \"" << a.m_exception_string.c_str() << "\", " << a.m_exception_type
        << " ) "
        << (a.m_threw ? "threw a DIFFERENT exception! (contents: " + exception + ")"
                      : "did NOT throw at all!");
  } else if ((a.m_at & assert_type::is_throws_as) != 0) {
    out << macro << "( " << a.m_expr << ", " << a.m_exception_type << " ) "
        << (a.m_threw ? "threw a DIFFERENT exception: " + exception : "did NOT throw at all!");
  } else if ((a.m_at & assert_type::is_throws_with) != 0) {
    out << macro << "( " << a.m_expr << ", \"" << a.m_exception_string.c_str() << "\" ) "
        << (a.m_threw ? "threw a DIFFERENT exception: " + exception : "did NOT throw at all!");
  } else if ((a.m_at & assert_type::is_throws) != 0) {
    out << macro << "( " << a.m_expr << " ) did NOT throw at all!";
  } else if ((a.m_at & assert_type::is_nothrow) != 0 || a.m_threw) {
    out << macro << "( " << a.m_expr << " ) THREW exception: " << exception;
  } else {
    out << macro << "( " << a.m_expr << " ) is NOT correct!\n  values: " << macro << "( "
        << a.m_decomp.c_str() << " )";
  }
  return out.str();
}

// INFO() and CAPTURE() in scope where an assertion failed (this thread's).
std::string active_contexts() {
  const int count = ::doctest::IReporter::get_num_active_contexts();
  if (count <= 0) return "";
  std::ostringstream out;
  const ::doctest::IContextScope* const* contexts = ::doctest::IReporter::get_active_contexts();
  for (int i = 0; i < count; ++i) {
    out << "\n  logged: ";
    contexts[i]->stringify(&out);
  }
  return out.str();
}

// INFO() and CAPTURE() that were in scope where an exception left the test case.
std::string stringified_contexts() {
  const int count = ::doctest::IReporter::get_num_stringified_contexts();
  const ::doctest::String* contexts = ::doctest::IReporter::get_stringified_contexts();
  std::string out;
  for (int i = count; i > 0; --i) out += std::string("\n  logged: ") + contexts[i - 1].c_str();
  return out;
}

// Translates one Context::run()'s events. doctest calls listeners before its reporters, so a
// test's timeline (finish_test) waits for the next event: it then follows everything doctest's
// console printed for the test, test_case_end's lines included.
class Listener final : public ::doctest::IReporter {
 public:
  explicit Listener(const ::doctest::ContextOptions& options) : options_(options) {}
  ~Listener() override = default;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  Listener(Listener&&) = delete;
  Listener& operator=(Listener&&) = delete;

  void report_query(const ::doctest::QueryData& query) override {
    Installed& state = installed();
    if (!state.listing) return;
    state.case_sensitive = options_.case_sensitive;
    for (unsigned i = 0; i < query.num_data; ++i) state.listed.push_back(query.data[i]);
  }

  void test_run_start() override {
    TestSession* s = session();
    if (s == nullptr) return;
    if (options_.no_colors) {
      s->set_color(false);
    } else if (options_.force_colors) {
      s->set_color(true);
    }
    const bool shuffled = options_.order_by.compare("rand", true) == 0;
    s->begin_program(shuffled ? static_cast<std::int64_t>(options_.rand_seed) : 0);
  }

  void test_case_start(const ::doctest::TestCaseData& test) override {
    TestSession* s = session();
    if (s == nullptr) return;
    finish_pending(*s);
    guard([&] {
      test_ = &test;
      pass_ = 1;
      end_subcase_spans();
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        subcases_.clear();
      }
      TestInfo info = describe(test);
      if (!names_.insert(info.full_name()).second) {
        warn("two test cases are named '" + info.full_name() + "' (" + info.file + ":" +
             std::to_string(info.line) + "); their artifacts share one folder");
      }
      s->begin_test(std::move(info));
    });
  }

  void test_case_reenter(const ::doctest::TestCaseData& /*test*/) override {
    if (session() == nullptr || crashed_) return;
    end_subcase_spans();
    ++pass_;
  }

  void subcase_start(const ::doctest::SubcaseSignature& subcase) override {
    if (session() == nullptr || crashed_) return;
    guard([&] {
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        subcases_.emplace_back(subcase.m_name.c_str());
      }
      const SourceLocation where{subcase.m_file != nullptr ? subcase.m_file : "", "",
                                 static_cast<std::uint32_t>(subcase.m_line)};
      spans_.push_back(std::make_unique<Span>(std::string_view(subcase.m_name.c_str()), where));
      spans_.back()->set_attribute("doctest.pass", pass_);
    });
  }

  void subcase_end() override {
    if (session() == nullptr || crashed_) return;
    if (!spans_.empty()) spans_.pop_back();
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!subcases_.empty()) subcases_.pop_back();
  }

  // Any thread.
  void log_assert(const ::doctest::AssertData& a) override {
    if (!a.m_failed || crashed_) return;
    TestSession* s = session();
    if (s == nullptr) return;
    guard([&] {
      const std::string message = describe_assert(a) + active_contexts();
      if ((a.m_at & assert_type::is_warn) != 0) {  // WARN(...): doctest does not fail the test
        log_event("doctest.warning",
                  {{"message", message}, {"code.filepath", a.m_file}, {"code.lineno", a.m_line}},
                  Severity::kWarn);
        return;
      }
      add_failure(*s, a.m_file, a.m_line, message, (a.m_at & assert_type::is_require) != 0);
    });
  }

  // Any thread.
  void log_message(const ::doctest::MessageData& m) override {
    if (crashed_) return;
    TestSession* s = session();
    if (s == nullptr) return;
    guard([&] {
      const std::string message = std::string(m.m_string.c_str()) + active_contexts();
      if ((m.m_severity & assert_type::is_warn) != 0) {  // MESSAGE(...)
        log_event("doctest.message",
                  {{"message", message}, {"code.filepath", m.m_file}, {"code.lineno", m.m_line}});
        return;
      }
      add_failure(*s, m.m_file, m.m_line, message,
                  (m.m_severity & assert_type::is_require) != 0);  // FAIL, FAIL_CHECK
    });
  }

  void test_case_exception(const ::doctest::TestCaseException& e) override {
    TestSession* s = session();
    if (s == nullptr || crashed_) return;
    // A crash: doctest's signal handler runs this, then raises the signal again. Nothing is
    // safe to do here; the test stays open so that `testscope run` recovers it, spans and all.
    if (e.is_crash) {
      crashed_ = true;
      return;
    }
    const std::string_view what = e.error_string.c_str();
    if (what.substr(0, kSubcasePlaceholder.size()) == kSubcasePlaceholder || test_ == nullptr) return;
    guard([&] {
      add_failure(*s, test_->m_file.c_str(), static_cast<int>(test_->m_line),
                  "test case THREW exception: " + std::string(what) + stringified_contexts(), true);
    });
  }

  void test_case_end(const ::doctest::CurrentTestCaseStats& stats) override {
    TestSession* s = session();
    if (s == nullptr || crashed_ || test_ == nullptr) return;
    end_subcase_spans();
    guard([&] {
      // Failures doctest decides at the end, with no assertion of their own.
      const auto flags = static_cast<unsigned>(stats.failure_flags);
      const auto has = [&](::doctest::TestCaseFailureReason::Enum reason) {
        return (flags & static_cast<unsigned>(reason)) != 0;
      };
      std::string verdict;
      if (has(::doctest::TestCaseFailureReason::Timeout)) {
        verdict = "test case exceeded its time limit of " + std::to_string(test_->m_timeout) + " s";
      } else if (has(::doctest::TestCaseFailureReason::ShouldHaveFailedButDidnt)) {
        verdict = "should have failed but didn't (doctest::should_fail)";
      } else if (has(::doctest::TestCaseFailureReason::DidntFailExactlyNumTimes)) {
        verdict = "didn't fail exactly " + std::to_string(test_->m_expected_failures) +
                  " times (doctest::expected_failures)";
      }
      if (!verdict.empty()) {
        add_failure(*s, test_->m_file.c_str(), static_cast<int>(test_->m_line), verdict, true);
      }
    });
    s->end_test(stats.testCaseSuccess ? Outcome::kPass : Outcome::kFail);
    test_ = nullptr;
    pending_ = true;
  }

  void test_case_skipped(const ::doctest::TestCaseData& /*test*/) override {
    TestSession* s = session();
    if (s != nullptr && !crashed_) finish_pending(*s);
  }

  void test_run_end(const ::doctest::TestRunStats& stats) override {
    TestSession* s = session();
    if (s == nullptr || crashed_) return;
    finish_pending(*s);
    // What doctest's Context::run() returns.
    s->end_program(stats.numTestCasesFailed > 0 && !options_.no_exitcode ? 1 : 0);
  }

 private:
  // Innermost first, so that each span gives the thread back the context it found.
  void end_subcase_spans() {
    while (!spans_.empty()) spans_.pop_back();
  }

  void finish_pending(TestSession& s) {
    if (!pending_) return;
    pending_ = false;
    s.finish_test();
  }

  // The subcase path (on the test's thread) is part of the message: doctest runs the test case
  // once per leaf subcase, all in one test.
  void add_failure(TestSession& s, const char* file, int line, std::string message, bool fatal) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!subcases_.empty()) {
        message += "\n  in subcase: ";
        for (std::size_t i = 0; i < subcases_.size(); ++i) message += (i == 0 ? "" : " > ") + subcases_[i];
      }
    }
    Failure failure;
    failure.file = file != nullptr ? file : "";
    failure.line = line;
    failure.message = std::move(message);
    failure.fatal = fatal;
    s.add_failure(std::move(failure));
  }

  const ::doctest::ContextOptions& options_;
  const ::doctest::TestCaseData* test_ = nullptr;  // the running test case
  int pass_ = 1;                                   // its run: doctest re-enters once per leaf subcase
  std::vector<std::unique_ptr<Span>> spans_;       // the open subcases' spans, innermost last
  bool pending_ = false;                           // ended, not finished
  std::atomic<bool> crashed_{false};               // doctest's signal handler is running (any thread reads)
  std::set<std::string> names_;                    // full names seen, to warn about a shared folder
  std::mutex mutex_;                               // guards subcases_
  std::vector<std::string> subcases_;              // the subcase path, outermost first
};

// A name as doctest's comma-separated filter reads it: ',' and '\' escaped with '\'.
std::string filter_value(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c == ',' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The test cases doctest would run with the command line given to install(), in file order.
std::vector<const ::doctest::TestCaseData*> list_test_cases(Installed& state) {
  std::vector<const char*> argv;
  argv.reserve(state.args.size() + 1);
  for (const std::string& a : state.args) argv.push_back(a.c_str());
  argv.push_back("--list-test-cases");  // a flag only: setOption() cannot set it
  ::doctest::Context listing(static_cast<int>(argv.size()), argv.data());
  std::ostream discard(nullptr);  // doctest's reporters print the listing here: nowhere
  listing.setCout(&discard);
  state.listed.clear();
  state.listing = true;
  listing.run();
  state.listing = false;
  std::vector<const ::doctest::TestCaseData*> tests = std::move(state.listed);
  state.listed.clear();
  std::sort(tests.begin(), tests.end(), file_order);
  return tests;
}

// Quarantine `skip` and the shard, as test-case-exclude filters. doctest's filter matches names
// only (and ignores case unless --case-sensitive): test cases it cannot tell apart go together,
// where the first of them goes.
void exclude_test_cases(::doctest::Context& context, Installed& state) {
  TestSession& s = *state.session;
  const std::optional<Shard>& shard = s.options().shard;
  if (!shard && s.skip_patterns().empty()) return;
  const std::vector<const ::doctest::TestCaseData*> tests = list_test_cases(state);
  const auto key = [&](const ::doctest::TestCaseData* test) {
    std::string name = test->m_name != nullptr ? test->m_name : "";
    if (!state.case_sensitive) {
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return name;
  };
  // Whether doctest is to run the test cases of a name (by key): a quarantined name never; else
  // as the first of them is numbered.
  std::map<std::string, bool> keep;
  for (const auto* test : tests) {
    if (s.is_skipped(describe(*test).full_name())) keep[key(test)] = false;
  }
  std::size_t position = 0;
  for (const auto* test : tests) {
    if (s.is_skipped(describe(*test).full_name())) continue;
    const bool in_shard = !shard || shard->includes(position);
    ++position;
    keep.emplace(key(test), in_shard);
  }
  std::set<std::string> excluded;
  for (const auto* test : tests) {
    const std::string k = key(test);
    if (keep[k] || !excluded.insert(k).second) continue;
    context.addFilter("test-case-exclude", filter_value(test->m_name != nullptr ? test->m_name : "").c_str());
  }
}

void apply_shuffle(::doctest::Context& context, const SessionOptions& options) {
  if (!options.shuffle_seed) return;
  const std::uint64_t r = *options.shuffle_seed % kMaxRandSeed;
  context.setOption("order-by", "rand");
  context.setOption("rand-seed", static_cast<int>(r == 0 ? kMaxRandSeed : r));
}

void install_session(TestSession session, int argc, char** argv) {
  Installed& state = installed();
  state.session.emplace(std::move(session));
  state.args.clear();
  for (int i = 0; argv != nullptr && i < argc; ++i) {
    state.args.emplace_back(argv[i] != nullptr ? argv[i] : "");
  }
}

FrontInfo doctest_front() {
  FrontInfo front;
  front.framework = "doctest";
  return front;
}

}  // namespace

void install(int* argc, char** argv) {
  try {
    TestSession session = TestSession::from_command_line(argc, argv, FlagStyle::kDash, doctest_front());
    install_session(std::move(session), argc != nullptr ? *argc : 0, argv);
  } catch (const std::exception& e) {
    warn(std::string("not installed: ") + e.what());
  }
}

void install(const SessionOptions& options, int argc, char** argv) {
  try {
    SessionOptions with_runner = options;
    std::vector<std::string> warnings;
    read_runner_environment(with_runner, &warnings);
    for (const std::string& w : warnings) warn(w);
    install_session(TestSession(std::move(with_runner), doctest_front(), argc, argv), argc, argv);
  } catch (const std::exception& e) {
    warn(std::string("not installed: ") + e.what());
  }
}

int run(::doctest::Context& context) {
  Installed& state = installed();
  if (state.session) {
    guard([&] {
      exclude_test_cases(context, state);
      apply_shuffle(context, state.session->options());
    });
  }
  const int result = context.run();
  // end_program() said so on stderr when it excused the failures.
  return result == 0 || !state.session ? result : state.session->exit_status_with_quarantine(result);
}

}  // namespace testscope::doctest

DOCTEST_REGISTER_LISTENER("testscope", 0, testscope::doctest::Listener);
