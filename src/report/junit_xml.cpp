// JUnit XML with reruns the way Maven Surefire writes them; see report_formats.hpp.
#include <fmt/format.h>
#include <utf8.h>

#include <cstdint>
#include <iterator>
#include <map>
#include <vector>

#include "analysis/verdict_text.hpp"
#include "report/report_formats.hpp"

namespace testscope::analysis {
namespace {

using detail::joined;

// At most this many attempt elements per testcase; the rest are counted in a property.
constexpr std::size_t kMaxAttemptElements = 50;

// A code point XML 1.0 allows in a document: #x9 | #xA | #xD | [#x20-#xD7FF] |
// [#xE000-#xFFFD] | [#x10000-#x10FFFF].
bool xml_char(std::uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

// Escapes for attributes and text. Bytes that are not UTF-8 become U+FFFD first (as in the
// JSON artifacts); then code points XML 1.0 forbids (controls but \t \n \r, U+FFFE,
// U+FFFF) are dropped, as GoogleTest's own XML drops them: one would make the whole file
// unreadable to a CI's parser.
std::string xml(const std::string& text) {
  std::string repaired;
  if (!utf8::is_valid(text.begin(), text.end())) {
    utf8::replace_invalid(text.begin(), text.end(), std::back_inserter(repaired));
  }
  const std::string& valid = repaired.empty() ? text : repaired;
  std::string out;
  out.reserve(valid.size());
  for (auto at = valid.begin(); at != valid.end();) {
    const auto start = at;
    const std::uint32_t c = utf8::unchecked::next(at);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += "&#9;";
        break;
      default:
        if (xml_char(c)) out.append(start, at);
    }
  }
  return out;
}

// The attempt's message, whole (GoogleTest's "file:line\nmessage", all its lines, as
// GoogleTest's own XML gives it), or `fallback` when there is none.
const std::string& message_or(const std::string& message, const std::string& fallback) {
  return message.empty() ? fallback : message;
}

void attempt_element(std::string& out, const std::string& element, const FailingAttempt& f,
                     const std::string& root) {
  const std::string& message = message_or(f.message, f.outcome);
  out += fmt::format(R"(      <{} message="{}" type="{}">)", element, xml(message), xml(f.outcome));
  if (element == "failure" || element == "error") {
    out += fmt::format("{}&#10;testscope artifacts: {}</{}>\n", xml(f.message),
                       xml(joined(root, f.artifacts)), element);
    return;
  }
  out += fmt::format("<stackTrace>{}</stackTrace><system-out>testscope artifacts: {}</system-out></{}>\n",
                     xml(f.message), xml(joined(root, f.artifacts)), element);
}

// The testscope.* properties of test `v`.
void properties(std::string& out, const TestVerdict& v, const std::string& root) {
  out += "      <properties>\n";
  const auto property = [&out](const std::string& key, const std::string& value) {
    out += fmt::format("        <property name=\"testscope.{}\" value=\"{}\"/>\n", key, xml(value));
  };
  property("verdict", std::string(verdict_name(v.verdict)));
  property("runs", std::to_string(v.runs));
  property("failures", std::to_string(v.failures));
  property("failure_rate", fmt::format("{:.6f}", v.failure_rate));
  property("ci95", fmt::format("{:.6f} {:.6f}", v.ci95.low, v.ci95.high));
  if (v.rules_out_above) property("rules_out_above", fmt::format("{:.6f}", *v.rules_out_above));
  if (!v.example_artifacts.empty()) property("artifacts", joined(root, v.example_artifacts));
  if (v.failing.size() > kMaxAttemptElements) {
    property("attempts_omitted", std::to_string(v.failing.size() - kMaxAttemptElements));
  }
  if (!v.quarantine.empty()) property("quarantine", v.quarantine);
  out += "      </properties>\n";
}

void testcase(std::string& out, const TestVerdict& v, const std::string& root) {
  const std::string classname = v.kind == "program" ? "testscope" : v.suite;
  const std::string name = v.kind == "program" ? detail::display_name(v) : v.case_name;
  const double seconds = v.runs > 0 ? static_cast<double>(v.total_duration_ns) / v.runs / 1e9 : 0;
  out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3f}\">\n", xml(name),
                     xml(classname), seconds);
  properties(out, v, root);
  // A quarantined test's failures must not fail the build that reads this file: the test
  // is reported skipped, its failing runs kept as flaky elements.
  const bool quarantined = !v.quarantine.empty() && v.failures > 0;
  if (quarantined) {
    out += fmt::format("      <skipped message=\"QUARANTINED: {}\"/>\n", xml(v.quarantine));
  } else if (v.verdict == Verdict::kSkipped) {
    out += "      <skipped/>\n";
  }
  const bool also_passed = quarantined || v.failures < v.runs;
  for (std::size_t i = 0; i < v.failing.size() && i < kMaxAttemptElements; ++i) {
    const FailingAttempt& f = v.failing[i];
    const bool error = f.outcome != "fail";  // crashes and timeouts are errors, as exceptions are in Surefire
    std::string element;
    if (also_passed) {
      element = error ? "flakyError" : "flakyFailure";
    } else if (i == 0) {
      element = error ? "error" : "failure";
    } else {
      element = error ? "rerunError" : "rerunFailure";
    }
    attempt_element(out, element, f, root);
  }
  out += "    </testcase>\n";
}

}  // namespace

std::string format_junit(const Verdicts& verdicts, const std::string& root) {
  struct Counts {
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    double time = 0;
  };
  std::map<std::string, std::vector<const TestVerdict*>> suites;
  for (const TestVerdict& v : verdicts.tests) {
    suites[v.kind == "program" ? "testscope" : v.suite].push_back(&v);
  }
  std::string body;
  Counts all;
  for (const auto& [suite, tests] : suites) {
    Counts c;
    std::string cases;
    for (const TestVerdict* v : tests) {
      ++c.tests;
      const bool quarantined = !v->quarantine.empty() && v->failures > 0;
      if (v->verdict == Verdict::kSkipped || quarantined) ++c.skipped;
      if (!quarantined && v->failures > 0 && v->failures == v->runs) {
        ++(v->failing.front().outcome == "fail" ? c.failures : c.errors);
      }
      c.time += v->runs > 0 ? static_cast<double>(v->total_duration_ns) / v->runs / 1e9 : 0;
      testcase(cases, *v, root);
    }
    body += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
        "time=\"{:.3f}\">\n{}  "
        "</testsuite>\n",
        xml(suite), c.tests, c.failures, c.errors, c.skipped, c.time, cases);
    all.tests += c.tests;
    all.failures += c.failures;
    all.errors += c.errors;
    all.skipped += c.skipped;
    all.time += c.time;
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"testscope\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
      "time=\"{:.3f}\">\n"
      "{}</testsuites>\n",
      all.tests, all.failures, all.errors, all.skipped, all.time, body);
}

}  // namespace testscope::analysis
