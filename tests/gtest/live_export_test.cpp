// Live export from the test program (--testscope_otlp, docs/export.md): the flag's forms,
// and fixture_program run as a process with the flag, against a loopback receiver and
// against an endpoint nothing listens on (the exit code unchanged, one warning line, no long
// wait). The exporter itself: tests/harness/live_exporter_test.cpp.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "loopback_server.hpp"
#include "otlp_http/gzip.hpp"
#include "subprocess.hpp"
#include "testscope/gtest.hpp"

namespace {

using testscope::otlp_test::answer;
using testscope::otlp_test::LoopbackServer;
using Clock = std::chrono::steady_clock;

// A port nothing listens on: bound, then released.
std::string unreachable_url() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  (void)bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
  close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
}

// The flag's forms: bare, with a URL, off values, a bad URL (a warning, off).
TEST(LiveExportOptions, FlagForms) {
  auto parse = [](std::vector<std::string> args, std::vector<std::string>* warnings = nullptr) {
    args.insert(args.begin(), "program");
    std::vector<char*> argv;
    argv.reserve(args.size());
    for (std::string& a : args) argv.push_back(a.data());
    int argc = static_cast<int>(argv.size());
    return testscope::gtest::parse_options(&argc, argv.data(), warnings);
  };
  EXPECT_FALSE(parse({}).otlp);
  EXPECT_TRUE(parse({"--testscope_otlp"}).otlp);
  EXPECT_EQ(parse({"--testscope_otlp"}).otlp_endpoint, "");
  EXPECT_EQ(parse({"--testscope_otlp=http://c:4318"}).otlp_endpoint, "http://c:4318");
  EXPECT_TRUE(parse({"--testscope_otlp=1"}).otlp);
  EXPECT_EQ(parse({"--testscope_otlp=1"}).otlp_endpoint, "");
  for (const char* off : {"--testscope_otlp=", "--testscope_otlp=0", "--testscope_otlp=off"}) {
    EXPECT_FALSE(parse({"--testscope_otlp=http://c:4318", off}).otlp) << off;
  }
  std::vector<std::string> warnings;
  EXPECT_FALSE(parse({"--testscope_otlp=ftp://c"}, &warnings).otlp);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_NE(warnings[0].find("no live export"), std::string::npos) << warnings[0];
}

// fixture_program as a process: the tests that end normally (Fixture.*, Param/Typed).
std::vector<std::string> program_argv() { return {FIXTURE_PROGRAM, "--gtest_filter=Fixture.*"}; }

// A scratch artifact folder, removed at the end of the test.
class ArtifactDir {
 public:
  ArtifactDir()
      : path_(std::filesystem::temp_directory_path() /
              ("live_export_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++))) {
    std::filesystem::remove_all(path_);
  }
  ~ArtifactDir() { std::filesystem::remove_all(path_); }
  ArtifactDir(const ArtifactDir&) = delete;
  ArtifactDir& operator=(const ArtifactDir&) = delete;

  std::string flag() const { return "--testscope_artifacts=" + path_.string(); }
  // run.json's "live_export".
  nlohmann::json live_export() const {
    std::ifstream in(path_ / "run.json");
    std::stringstream text;
    text << in.rdbuf();
    return nlohmann::json::parse(text.str()).at("live_export");
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(LiveExportProgram, EachTestsTraceArrivesAndTheExitCodeIsGoogleTests) {
  const ArtifactDir plain_artifacts;
  std::vector<std::string> plain_argv = program_argv();
  plain_argv.push_back(plain_artifacts.flag());
  const auto plain = testscope::testing_support::run_process(plain_argv);
  EXPECT_TRUE(plain_artifacts.live_export().is_null()) << "no live export, no counts";
  LoopbackServer server([](int) { return answer(200, "{}"); });
  const ArtifactDir artifacts;
  std::vector<std::string> argv = program_argv();
  argv.push_back("--testscope_otlp=" + server.url());
  argv.push_back(artifacts.flag());
  const auto live = testscope::testing_support::run_process(argv);
  EXPECT_EQ(live.exit_code, plain.exit_code);
  EXPECT_EQ(live.err.find("live OTLP export"), std::string::npos) << live.err;
  const auto requests = server.requests();
  std::vector<std::string> names;
  for (const auto& request : requests) {
    const auto doc = nlohmann::json::parse(testscope::otlp::gzip_decompress(request.body));
    const auto& spans = doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans");
    ASSERT_FALSE(spans.empty());
    names.push_back(spans.at(0).at("name").get<std::string>());
  }
  // One request per test that ran (skipped tests included: they have a root span too).
  const auto ran = [&] {
    std::size_t n = 0;
    for (std::size_t at = 0; (at = plain.out.find("[ RUN      ]", at)) != std::string::npos; ++at) ++n;
    return n;
  }();
  EXPECT_EQ(requests.size(), ran);
  EXPECT_NE(std::find(names.begin(), names.end(), "Fixture.Passes"), names.end());
  // run.json says what became of them.
  const nlohmann::json recorded = artifacts.live_export();
  EXPECT_EQ(recorded.at("url"), server.url() + "/v1/traces");
  EXPECT_EQ(recorded.at("traces"), ran);
  EXPECT_EQ(recorded.at("sent"), ran);
  EXPECT_EQ(recorded.at("rejected"), 0);
  EXPECT_EQ(recorded.at("failed"), 0);
  EXPECT_EQ(recorded.at("dropped"), 0);
  EXPECT_TRUE(recorded.at("last_error").is_null());
}

TEST(LiveExportProgram, AnUnreachableEndpointChangesNothingButOneWarning) {
  const auto plain = testscope::testing_support::run_process(program_argv());
  const auto begin = Clock::now();
  const ArtifactDir artifacts;
  std::vector<std::string> argv = program_argv();
  argv.push_back(artifacts.flag());
  const auto live = testscope::testing_support::run_process(argv, {"TESTSCOPE_OTLP=" + unreachable_url()});
  EXPECT_LT(Clock::now() - begin, std::chrono::seconds(60));  // generous: a 2 s timeout, then drops
  EXPECT_EQ(live.exit_code, plain.exit_code);
  EXPECT_EQ(live.out.find("[  PASSED  ]") != std::string::npos,
            plain.out.find("[  PASSED  ]") != std::string::npos);
  std::size_t warnings = 0;
  for (std::size_t at = 0; (at = live.err.find("live OTLP export to", at)) != std::string::npos; ++at) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1U) << live.err;
  EXPECT_NE(live.err.find("test results are unaffected"), std::string::npos) << live.err;
  const nlohmann::json recorded = artifacts.live_export();
  EXPECT_GT(recorded.at("traces").get<int>(), 1);
  EXPECT_EQ(recorded.at("sent"), 0);
  EXPECT_EQ(recorded.at("failed").get<int>() + recorded.at("dropped").get<int>(),
            recorded.at("traces").get<int>());
  EXPECT_FALSE(recorded.at("last_error").get<std::string>().empty());
}

TEST(LiveExportProgram, TheFlagWithoutAUrlUsesTheOtelEndpoint) {
  LoopbackServer server([](int) { return answer(200, "{}"); });
  std::vector<std::string> argv = {FIXTURE_PROGRAM, "--gtest_filter=Fixture.Passes", "--testscope_otlp"};
  const auto live =
      testscope::testing_support::run_process(argv, {"OTEL_EXPORTER_OTLP_ENDPOINT=" + server.url()});
  EXPECT_EQ(live.exit_code, 0) << live.err;
  EXPECT_EQ(server.requests().size(), 1U) << live.err;
}

// On GitHub Actions the live traces carry the CI's attributes, as `testscope export` adds them.
TEST(LiveExportProgram, OnGitHubActionsTheResourceNamesThePipelineRun) {
  LoopbackServer server([](int) { return answer(200, "{}"); });
  const auto live = testscope::testing_support::run_process(
      {FIXTURE_PROGRAM, "--gtest_filter=Fixture.Passes", "--testscope_otlp=" + server.url()},
      {"GITHUB_ACTIONS=true", "GITHUB_WORKFLOW=ci", "GITHUB_RUN_ID=4242", "GITHUB_JOB=unit",
       "GITHUB_SERVER_URL=https://github.example", "GITHUB_REPOSITORY=acme/shop"});
  EXPECT_EQ(live.exit_code, 0) << live.err;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1U) << live.err;
  const auto doc = nlohmann::json::parse(testscope::otlp::gzip_decompress(requests[0].body));
  std::map<std::string, std::string> resource;
  for (const auto& attribute : doc.at("resourceSpans").at(0).at("resource").at("attributes")) {
    if (attribute.at("value").contains("stringValue")) {
      resource[attribute.at("key").get<std::string>()] =
          attribute.at("value").at("stringValue").get<std::string>();
    }
  }
  EXPECT_EQ(resource["cicd.pipeline.name"], "ci");
  EXPECT_EQ(resource["cicd.pipeline.run.id"], "4242");
  EXPECT_EQ(resource["cicd.pipeline.task.name"], "unit");
  EXPECT_EQ(resource["cicd.pipeline.run.url.full"], "https://github.example/acme/shop/actions/runs/4242");
  EXPECT_EQ(resource["service.name"], "fixture_program");
}

}  // namespace
