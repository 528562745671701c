// The Catch2 front's listener: each test case a test of the session, each section entered a
// span, each failed assertion a Failure, the timeline after Catch2 has printed the test case.
#include "catch2/listener.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "testscope/span.hpp"

namespace testscope::catch2::detail {
namespace {

void warn(const std::string& text) { std::fprintf(stderr, "testscope: warning: %s\n", text.c_str()); }

template <typename F>
void guard(F&& f) noexcept {
  try {
    f();
  } catch (...) {
    warn("internal error, test results are unaffected");
  }
}

// The session the listener reports to; set by install_listener() before Catch2 creates it.
std::shared_ptr<TestSession>& listener_session() {
  static std::shared_ptr<TestSession> session;
  return session;
}

// "tests/promo_catch2.cpp" -> "promo_catch2".
std::string file_stem(std::string_view path) {
  const std::size_t slash = path.find_last_of("/\\");
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  const std::size_t dot = path.find_last_of('.');
  if (dot != std::string_view::npos && dot > 0) path = path.substr(0, dot);
  return path.empty() ? std::string("catch2") : std::string(path);
}

// `text` after a heading line, each of its lines indented by two spaces, as Catch2 prints it.
void append_block(std::string& out, std::string_view heading, std::string_view text) {
  if (!out.empty()) out += '\n';
  out += heading;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out += "\n  ";
    out += text.substr(start, end - start);
    start = end + 1;
  }
}

// A failed assertion in the words of Catch2's console reporter: the macro with its expression,
// the expansion, the exception or explicit message, then the INFO/CAPTURE messages in scope.
std::string failure_message(const Catch::AssertionStats& stats) {
  const Catch::AssertionResult& result = stats.assertionResult;
  std::string message;
  if (result.hasExpression()) {
    message = result.getExpressionInMacro();
    if (result.hasExpandedExpression()) {  // only when it differs from the expression
      append_block(message, "with expansion:", result.getExpandedExpression());
    }
  }
  switch (result.getResultType()) {
    case Catch::ResultWas::ThrewException:
      append_block(message, "due to unexpected exception with message:", result.getMessage());
      break;
    case Catch::ResultWas::DidntThrowException:
      if (!message.empty()) message += '\n';
      message += "because no exception was thrown where one was expected";
      break;
    case Catch::ResultWas::ExplicitFailure:
      append_block(message, "explicitly with message:", result.getMessage());
      break;
    default:
      if (result.hasMessage()) append_block(message, "with message:", result.getMessage());
      break;
  }
  for (const Catch::MessageInfo& info : stats.infoMessages) {
    if (info.type == Catch::ResultWas::Info) append_block(message, "with message:", info.message);
  }
  return message;
}

// Forwards nothing (Catch2's own reporter prints, after the listeners): it only drives the
// session. Every event runs on the thread that runs the test cases.
class Listener final : public Catch::TestEventListenerBase {
 public:
  explicit Listener(const Catch::ReporterConfig& config)
      : TestEventListenerBase(config), session_(listener_session()) {}

  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    TestEventListenerBase::testCaseStarting(info);
    fatal_ = false;
    runs_ = 0;
    failures_ = 0;
    sections_.clear();
    if (session_) guard([&] { session_->begin_test(describe(info)); });
  }

  // Catch2 reports each run of the test case (one per leaf section and generator value) as a
  // section named after the test case, and each SECTION entered inside it.
  void sectionStarting(const Catch::SectionInfo& section) override {
    TestEventListenerBase::sectionStarting(section);
    if (!session_ || fatal_) return;
    guard([&] {
      OpenSection open{section.name, section.lineInfo.line, nullptr};
      if (sections_.empty()) {
        ++runs_;  // the run itself: its spans belong to the test's root span
      } else {
        open.span = std::make_unique<Span>(
            section.name,
            SourceLocation{section.lineInfo.file, "", static_cast<std::uint32_t>(section.lineInfo.line)});
        open.span->set_attribute("catch2.run", runs_);
      }
      sections_.push_back(std::move(open));
    });
  }

  bool assertionEnded(const Catch::AssertionStats& stats) override {
    const Catch::AssertionResult& result = stats.assertionResult;
    // Catch2 reports a signal (SIGSEGV, SIGABRT, ...) from its signal handler, then re-raises it.
    // Nothing more is done here: the test stays open in the recorder's control block, so that
    // `testscope run` recovers it as a crash from the file-backed buffers.
    if (result.getResultType() == Catch::ResultWas::FatalErrorCondition) fatal_ = true;
    if (!session_ || fatal_ || result.isOk()) return false;
    guard([&] {
      Failure failure;
      const Catch::SourceLineInfo where = result.getSourceInfo();
      failure.file = where.file != nullptr ? where.file : "";
      failure.line = static_cast<int>(where.line);
      failure.message = failure_message(stats) + where_in_the_test_case();
      failure.fatal = (result.m_info.resultDisposition & Catch::ResultDisposition::ContinueOnFailure) == 0;
      ++failures_;
      session_->add_failure(std::move(failure));
    });
    return false;
  }

  void sectionEnded(const Catch::SectionStats& stats) override {
    TestEventListenerBase::sectionEnded(stats);
    if (!session_ || fatal_) return;
    // Sections left by an exception end outer-first, after the fact: end the section named and
    // every one opened inside it, innermost first; a section already ended is not found.
    for (std::size_t i = sections_.size(); i-- > 0;) {
      if (sections_[i].name == stats.sectionInfo.name &&
          sections_[i].line == stats.sectionInfo.lineInfo.line) {
        while (sections_.size() > i) sections_.pop_back();
        break;
      }
    }
  }

  // Listeners hear each event before Catch2's reporter, and the console reporter prints a
  // failure when the assertion ends: here the test case's output is complete.
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    TestEventListenerBase::testCaseEnded(stats);
    if (!session_ || fatal_) return;
    while (!sections_.empty()) sections_.pop_back();
    guard([&] {
      const bool failed = stats.totals.testCases.failed > 0;
      if (failed && failures_ == 0) session_->add_failure(unexplained_failure(stats.testInfo));
      session_->end_test(failed ? Outcome::kFail : Outcome::kPass);
      session_->finish_test();
    });
  }

 private:
  struct OpenSection {
    std::string name;
    std::size_t line = 0;
    std::unique_ptr<Span> span;  // null for the run itself
  };

  // "\nsection: outer / inner, run 3 of the test case", or what of it applies.
  std::string where_in_the_test_case() const {
    std::string path;
    for (std::size_t i = 1; i < sections_.size(); ++i) path += (i > 1 ? " / " : "") + sections_[i].name;
    std::string where = path.empty() ? "" : "section: " + path;
    if (runs_ > 1) {
      where +=
          (where.empty() ? "" : ", ") + std::string("run ") + std::to_string(runs_) + " of the test case";
    }
    return where.empty() ? where : "\n" + where;
  }

  // A test case Catch2 failed without a failed assertion to show for it.
  static Failure unexplained_failure(const Catch::TestCaseInfo& info) {
    Failure failure;
    failure.file = info.lineInfo.file != nullptr ? info.lineInfo.file : "";
    failure.line = static_cast<int>(info.lineInfo.line);
    failure.message =
        info.expectedToFail()
            ? "the test case is tagged [!shouldfail] but no assertion failed"
            : "Catch2 failed the test case without a failed assertion (with -w NoAssertions: it checked "
              "nothing)";
    return failure;
  }

  std::shared_ptr<TestSession> session_;  // null: report nothing
  bool fatal_ = false;                    // a signal ended the test case; the process is dying
  std::int64_t runs_ = 0;                 // runs of the current test case so far
  int failures_ = 0;                      // failures reported in the current test case
  std::vector<OpenSection> sections_;     // the run, then the sections open inside it
};

class ListenerFactory final : public Catch::IReporterFactory {
 public:
  Catch::IStreamingReporterPtr create(const Catch::ReporterConfig& config) const override {
    return std::make_unique<Listener>(config);
  }
  std::string getDescription() const override {
    return "testscope: spans, failures and artifacts of each test case";
  }
};

}  // namespace

TestInfo describe(const Catch::TestCaseInfo& info) {
  TestInfo test;
  test.suite = info.className.empty() ? file_stem(info.lineInfo.file != nullptr ? info.lineInfo.file : "")
                                      : info.className;
  test.name = info.name;
  test.file = info.lineInfo.file != nullptr ? info.lineInfo.file : "";
  test.line = static_cast<int>(info.lineInfo.line);
  return test;
}

void install_listener(std::shared_ptr<TestSession> session) {
  listener_session() = std::move(session);
  // What CATCH_REGISTER_LISTENER does at static initialisation, done when testscope runs.
  static const bool kRegistered = [] {
    Catch::getMutableRegistryHub().registerListener(std::make_shared<ListenerFactory>());
    return true;
  }();
  static_cast<void>(kRegistered);
}

}  // namespace testscope::catch2::detail
