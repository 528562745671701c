// `report --junit` parsed back by a real XML parser (Python's xml.etree, i.e. expat), on a
// real run (issue 14, item 11 and item 14's "only the first line"): the file must be
// well-formed whatever the failure messages hold, and a failure's message attribute must
// carry GoogleTest's whole text, not its first line.
#include "cli_harness.hpp"
#include "subprocess.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

// Reads junit.xml with expat (TESTSCOPE_PYTHON, the Python scripts/bootstrap sets up) (strict: a character
// XML 1.0 forbids is a fatal error) and prints, as JSON, each testcase's failure message attribute and text.
constexpr const char* kReadJunit = R"(
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
out = {}
for case in root.iter('testcase'):
    f = case.find('failure')
    if f is not None:
        out[case.get('classname') + '.' + case.get('name')] = {'message': f.get('message'), 'text': f.text}
print(json.dumps(out))
)";

class JunitXmlTest : public CliTest {
 protected:
  // The failures in OUT's JUnit report, read by expat; fails the test if it cannot parse.
  json junit_failures() {
    const Result run = testscope({"run", "-n", "1", "--out", "out", "--", JUNIT_MESSAGE_PROGRAM});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    const Result report = testscope({"report", "out", "--junit", "junit.xml"});
    EXPECT_EQ(report.exit_code, 1) << report.err;
    const auto parsed = testscope::testing_support::run_process(
        {TESTSCOPE_PYTHON, "-c", kReadJunit, (dir() / "junit.xml").string()});
    EXPECT_EQ(parsed.exit_code, 0) << "expat refused junit.xml:\n"
                                   << parsed.err << slurp(dir() / "junit.xml");
    return parsed.exit_code == 0 ? json::parse(parsed.out) : json::object();
  }
};

TEST_F(JunitXmlTest, IsWellFormedWhateverTheMessageHolds) {
  const json failures = junit_failures();
  ASSERT_TRUE(failures.contains("Junit.ForbiddenCharacters")) << failures.dump(2);
  const std::string message = failures["Junit.ForbiddenCharacters"]["message"];
  // What XML cannot hold is gone; bytes that were not UTF-8 became U+FFFD (as in
  // summary.json); the rest is kept, the allowed DEL included.
  EXPECT_NE(message.find("nonchar U+FFFE [] U+FFFF [] controls [\x7F] not UTF-8 [\xEF\xBF\xBD]"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("kept [\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80]"), std::string::npos) << message;
}

TEST_F(JunitXmlTest, TheMessageAttributeIsTheWholeText) {
  const json failures = junit_failures();
  ASSERT_TRUE(failures.contains("Junit.MultiLine")) << failures.dump(2);
  const std::string message = failures["Junit.MultiLine"]["message"];
  EXPECT_NE(message.find("junit_message_program.cpp:"), std::string::npos) << message;
  EXPECT_NE(message.find("\nExpected equality of these values:\n"), std::string::npos) << message;
  EXPECT_NE(message.find("\nthe detail is on the last line"), std::string::npos) << message;
  const std::string text = failures["Junit.MultiLine"]["text"];
  EXPECT_NE(text.find(message), std::string::npos) << "the element's text holds it too:\n" << text;
}

}  // namespace
