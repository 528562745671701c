// testscope's steps of testscope::catch2::run(): its flags out of argv, then, once Catch2 has
// parsed the rest, quarantine `skip` and TESTSCOPE_SHARD through Catch2's test spec,
// TESTSCOPE_SHUFFLE_SEED as Catch2's random order, and the session around Catch2's run.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catch2/listener.hpp"
#include "testscope/catch2.hpp"

namespace testscope::catch2 {
namespace {

// Catch2's --rng-seed is an unsigned int: TESTSCOPE_SHUFFLE_SEED=S becomes S modulo 2^32.
constexpr std::uint64_t kRngSeeds = std::uint64_t{1} << 32;

void warn(const std::string& text) { std::fprintf(stderr, "testscope: warning: %s\n", text.c_str()); }

bool lists_or_helps(const Catch::ConfigData& data) {
  return data.showHelp || data.libIdentify || data.listTests || data.listTestNamesOnly || data.listTags ||
         data.listReporters;
}

// A reporter writing XML, JUnit, TAP, ... to stdout: a timeline there would break its format.
bool file_format_on_stdout(const Catch::ConfigData& data) {
  return data.outputFilename.empty() && data.reporterName != "console" && data.reporterName != "compact";
}

FrontInfo catch2_front(const Catch::ConfigData& data) {
  FrontInfo front;
  front.framework = "catch2";
  if (data.useColour == Catch::UseColour::No) front.color = false;
  if (data.useColour == Catch::UseColour::Yes) front.color = true;
  return front;
}

// Every test case in declaration order, with the "#<file>" tag Catch2 adds for -# (it adds it
// only when the run starts, and selection happens before).
std::vector<Catch::TestCase> declared_tests(bool filenames_as_tags) {
  std::vector<Catch::TestCase> tests = Catch::getRegistryHub().getTestCaseRegistry().getAllTests();
  if (!filenames_as_tags) return tests;
  for (Catch::TestCase& test : tests) {
    std::string tag = test.lineInfo.file != nullptr ? test.lineInfo.file : "";
    const std::size_t slash = tag.find_last_of("\\/");
    if (slash != std::string::npos) {
      tag.erase(0, slash);
      tag[0] = '#';
    } else {
      tag.insert(0, "#");
    }
    const std::size_t dot = tag.find_last_of('.');
    if (dot != std::string::npos) tag.erase(dot);
    std::vector<std::string> tags = test.tags;
    tags.push_back(std::move(tag));
    setTags(test, tags);
  }
  return tests;
}

// The positions in `tests` of the test cases Catch2 runs with `data`, as its TestGroup picks
// them: those its test spec matches, or, without a spec, every test case not hidden.
std::vector<std::size_t> picked_by_catch2(const Catch::ConfigData& data,
                                          const std::vector<Catch::TestCase>& tests) {
  Catch::ConfigData probe = data;
  probe.outputFilename.clear();  // a Config opens its output file; this one writes nothing
  const Catch::Config config(probe);
  const Catch::TestSpec& spec = config.testSpec();
  const Catch::TestSpec::Matches matches = spec.matchesByFilter(tests, config);
  std::vector<bool> picked(tests.size(), false);
  if (matches.empty() && spec.getInvalidArgs().empty()) {
    for (std::size_t i = 0; i < tests.size(); ++i) picked[i] = !tests[i].isHidden();
  } else {
    for (const Catch::TestSpec::FilterMatch& match : matches) {
      for (const Catch::TestCase* test : match.tests) {
        picked[static_cast<std::size_t>(test - tests.data())] = true;
      }
    }
  }
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < tests.size(); ++i) {
    if (picked[i]) positions.push_back(i);
  }
  return positions;
}

// A test spec matching the test case `name`: quoted, with a backslash before the characters
// Catch2's spec parser gives a meaning inside quotes ('\', ',' and '"').
std::string quoted_spec(const std::string& name) {
  std::string spec = "\"";
  for (const char c : name) {
    if (c == '\\' || c == ',' || c == '"') spec += '\\';
    spec += c;
  }
  spec += '"';
  return spec;
}

// Narrows `data`'s test spec to the test cases that are neither quarantined (`skip`) nor in
// another shard: the GoogleTest rule of testscope/harness.hpp, over the test cases Catch2 would
// run, in declaration order. False when none is left.
bool select_tests(const TestSession& session, Catch::ConfigData& data) {
  const std::vector<Catch::TestCase> tests = declared_tests(data.filenamesAsTags);
  const std::vector<std::size_t> picked = picked_by_catch2(data, tests);
  std::vector<std::size_t> kept;
  for (const std::size_t i : picked) {
    if (!session.is_skipped(detail::describe(tests[i]).full_name())) kept.push_back(i);
  }
  std::vector<std::size_t> selected;
  for (const std::size_t position : run_order(kept.size(), session.options().shard, std::nullopt)) {
    selected.push_back(kept[position]);
  }
  if (selected.size() == picked.size()) return true;  // nothing taken out: Catch2's spec as it is
  if (selected.empty()) {
    std::fprintf(
        stderr,
        "testscope: none of the %zu test cases is left to run (quarantine skip, shard); nothing runs\n",
        picked.size());
    return false;
  }
  std::string spec;
  for (const std::size_t i : selected) spec += (spec.empty() ? "" : ",") + quoted_spec(tests[i].name);
  data.testsOrTags = {spec};
  // Catch2 matches names without case, with '*' at either end as a wildcard and spaces at either
  // end trimmed: names that collide that way cannot be told apart by a spec.
  const std::vector<std::size_t> matched = picked_by_catch2(data, tests);
  if (matched != selected) {
    warn("Catch2's test spec cannot name exactly the " + std::to_string(selected.size()) +
         " test cases to run (names that differ only in case, or start or end with '*' or a space): " +
         std::to_string(matched.size()) + " run");
  }
  return true;
}

}  // namespace

namespace detail {

struct CatchRun::State {
  std::vector<std::string> original_argv;  // as given, for run.json
  SessionOptions options;
  std::shared_ptr<TestSession> session;  // from prepare() on
  bool anything_to_run = true;
  std::int64_t random_seed = 0;
};

CatchRun::CatchRun(int* argc, char** argv) noexcept {
  try {
    auto state = std::make_unique<State>();
    for (int i = 0; argc != nullptr && argv != nullptr && i < *argc; ++i) {
      state->original_argv.emplace_back(argv[i] != nullptr ? argv[i] : "");
    }
    std::vector<std::string> warnings;
    state->options = parse_options(argc, argv, FlagStyle::kDash, &warnings);
    for (const std::string& w : warnings) warn(w);
    state_ = std::move(state);
  } catch (const std::exception& e) {
    warn(std::string("not installed: ") + e.what());
  }
}

CatchRun::~CatchRun() = default;

bool CatchRun::prepare(Catch::ConfigData& data) noexcept {
  if (!state_ || lists_or_helps(data)) return false;
  State& s = *state_;
  try {
    if (file_format_on_stdout(data)) s.options.console = ConsoleMode::kNever;
    std::vector<const char*> args;
    args.reserve(s.original_argv.size());
    for (const std::string& a : s.original_argv) args.push_back(a.c_str());
    s.session = std::make_shared<TestSession>(std::move(s.options), catch2_front(data),
                                              static_cast<int>(args.size()), args.data());
  } catch (const std::exception& e) {
    warn(std::string("not installed: ") + e.what());
    return false;
  }
  try {
    s.anything_to_run = select_tests(*s.session, data);
  } catch (const std::exception& e) {
    warn(std::string("quarantine skip and shard not applied: ") + e.what());
  }
  if (const std::optional<std::uint64_t> seed = s.session->options().shuffle_seed) {
    data.runOrder = Catch::RunTests::InRandomOrder;
    data.rngSeed = static_cast<unsigned int>(*seed % kRngSeeds);
  }
  s.random_seed = static_cast<std::int64_t>(data.rngSeed);
  return true;
}

bool CatchRun::anything_to_run() const noexcept { return !state_ || state_->anything_to_run; }

void CatchRun::begin() noexcept {
  if (!state_ || !state_->session) return;
  try {
    install_listener(state_->session);
  } catch (const std::exception& e) {
    warn(std::string("not installed: ") + e.what());
  }
  state_->session->begin_program(state_->random_seed);
}

int CatchRun::end(int catch2_status) noexcept {
  if (!state_ || !state_->session) return catch2_status;
  try {
    install_listener(nullptr);
  } catch (...) {
  }
  return state_->session->end_program(catch2_status);
}

}  // namespace detail
}  // namespace testscope::catch2
