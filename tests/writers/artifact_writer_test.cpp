// ArtifactWriter and describe_this_run (src/writers/artifact_writer.cpp): the folder
// layout and atomic writes of a real capture, errors where nothing can be written, and
// the run's facts and resource from the OTEL_* / TRACEPARENT / CI environment.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "writer_fixture.hpp"

namespace testscope {

// RealCapture's capture (writer_fixture.hpp), made here.
void RealCapture::SetUpTestSuite() { capture_at(SourceLocation::current()); }

namespace {

namespace fs = std::filesystem;

TEST_F(RealCapture, ArtifactWriterWritesAllFiles) {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("testscope_writers_test_" + std::to_string(getpid()));
  std::filesystem::remove_all(root);
  const ArtifactWriter writer(root.string());
  EXPECT_EQ(writer.root(), root.string());
  EXPECT_EQ(writer.write_run(*run_), "");
  EXPECT_EQ(writer.write_test(*record_, *run_), "");
  const std::filesystem::path dir = writer.test_dir(*record_);
  EXPECT_EQ(dir, root / "tests" / "CaptureSuite.TwoThreads");
  for (const char* file : {"summary.json", "trace.otlp.json", "trace.chrome.json"}) {
    std::ifstream in(dir / file);
    ASSERT_TRUE(in) << (dir / file);
    EXPECT_TRUE(json::accept(in)) << file;
  }
  std::ifstream in(root / "run.json");
  ASSERT_TRUE(in);
  EXPECT_EQ(json::parse(in)["argv"], (json{"/opt/bin/suite_tests", "--gtest_filter=Suite.*"}));
  // No temporary files are left behind.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
  }
  std::filesystem::remove_all(root);
}

// ---------------------------------------------------------------------------------------
// Writing where nothing can be written: an error naming the path, never an exception.

TestRecord small_record() {
  TestRecord record;
  record.test.suite = "Suite";
  record.test.name = "Case";
  record.trace_id = TraceId{1, 2};
  record.root_span_id = 3;
  SpanData root;
  root.trace_id = record.trace_id;
  root.span_id = 3;
  root.name = "Suite.Case";
  record.spans.push_back(root);
  return record;
}

TEST(ArtifactWriterErrors, RootUnderARegularFile) {
  const fs::path file = fs::temp_directory_path() / ("testscope_plain_file_" + std::to_string(getpid()));
  std::ofstream(file) << "not a folder";
  const std::string root = (file / "artifacts").string();
  const ArtifactWriter writer(root);
  std::string error;
  EXPECT_NO_THROW(error = writer.write_test(small_record(), RunInfo{}));
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find(file.string()), std::string::npos) << error;
  EXPECT_NO_THROW(error = writer.write_run(RunInfo{}));
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find(file.string()), std::string::npos) << error;
  fs::remove(file);
}

TEST(ArtifactWriterErrors, RootInProc) {
  const ArtifactWriter writer("/proc/testscope_cannot_write_here");
  std::string error;
  EXPECT_NO_THROW(error = writer.write_test(small_record(), RunInfo{}));
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("/proc/testscope_cannot_write_here"), std::string::npos) << error;
  EXPECT_NO_THROW(error = writer.write_run(RunInfo{}));
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("/proc/testscope_cannot_write_here"), std::string::npos) << error;
}

TEST(ArtifactWriterErrors, TargetIsAFolder) {
  // summary.json exists as a folder: the rename over it fails; the error names the file.
  const fs::path root = fs::temp_directory_path() / ("testscope_folder_target_" + std::to_string(getpid()));
  fs::remove_all(root);
  const ArtifactWriter writer(root.string());
  const TestRecord record = small_record();
  fs::create_directories(fs::path(writer.test_dir(record)) / "summary.json" / "occupied");
  std::string error;
  EXPECT_NO_THROW(error = writer.write_test(record, RunInfo{}));
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find("summary.json"), std::string::npos) << error;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << "left behind: " << entry.path();
  }
  fs::remove_all(root);
}

TEST(ArtifactWriterErrors, ReadOnlyFolder) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  const fs::path root = fs::temp_directory_path() / ("testscope_read_only_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  fs::permissions(root, fs::perms::owner_read | fs::perms::owner_exec);
  const ArtifactWriter writer(root.string());
  std::string error;
  EXPECT_NO_THROW(error = writer.write_test(small_record(), RunInfo{}));
  EXPECT_FALSE(error.empty());
  EXPECT_NE(error.find(root.string()), std::string::npos) << error;
  fs::permissions(root, fs::perms::owner_all);
  fs::remove_all(root);
}

// ---------------------------------------------------------------------------------------
// describe_this_run and the OTEL_* / TRACEPARENT environment

std::map<std::string, AttributeData> resource_of(const RunInfo& run) {
  std::map<std::string, AttributeData> out;
  for (const AttributeData& a : run.resource) {
    EXPECT_EQ(out.count(a.key), 0U) << "duplicate resource key " << a.key;
    out[a.key] = a;
  }
  return out;
}

std::string string_of(const std::map<std::string, AttributeData>& resource, const std::string& key) {
  auto it = resource.find(key);
  if (it == resource.end()) return "<missing>";
  const auto* s = std::get_if<std::string>(&it->second.value);
  return s != nullptr ? *s : "<not a string>";
}

// Sets (or unsets, for nullptr) an environment variable for the scope, then restores it.
// Only for tests that start no threads: setenv/unsetenv race with any concurrent getenv.
// NOLINTBEGIN(concurrency-mt-unsafe): GoogleTest runs these tests on one thread, with no other alive
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = std::string(old);
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};
// NOLINTEND(concurrency-mt-unsafe)

TEST(DescribeThisRun, ProcessFacts) {
  ScopedEnv service("OTEL_SERVICE_NAME", nullptr);
  ScopedEnv attributes("OTEL_RESOURCE_ATTRIBUTES", nullptr);
  ScopedEnv traceparent("TRACEPARENT", nullptr);
  const std::array<const char*, 3> argv = {"/usr/local/bin/my_tests", "--gtest_repeat=2", "ünïcode arg"};
  timespec before{};
  clock_gettime(CLOCK_REALTIME, &before);
  const RunInfo run = describe_this_run(static_cast<int>(argv.size()), argv.data());
  timespec after{};
  clock_gettime(CLOCK_REALTIME, &after);
  EXPECT_EQ(run.argv,
            (std::vector<std::string>{"/usr/local/bin/my_tests", "--gtest_repeat=2", "ünïcode arg"}));
  EXPECT_GE(run.start_unix_ns, before.tv_sec * 1'000'000'000LL + before.tv_nsec);
  EXPECT_LE(run.start_unix_ns, after.tv_sec * 1'000'000'000LL + after.tv_nsec);
  EXPECT_EQ(run.pid, getpid());
  std::array<char, 256> host = {};
  ASSERT_EQ(gethostname(host.data(), host.size() - 1), 0);
  EXPECT_EQ(run.host, host.data());
  EXPECT_EQ(run.end_unix_ns, 0);
  EXPECT_EQ(run.exit_status, -1);
  EXPECT_FALSE(run.parent.valid());

  const auto resource = resource_of(run);
  EXPECT_EQ(string_of(resource, "service.name"), "my_tests");  // the program's name by default
  EXPECT_EQ(string_of(resource, "process.executable.name"), "my_tests");
  EXPECT_EQ(string_of(resource, "telemetry.sdk.name"), "testscope");
  EXPECT_EQ(string_of(resource, "telemetry.sdk.language"), "cpp");
  EXPECT_EQ(string_of(resource, "telemetry.sdk.version"), std::string(version()));
  EXPECT_EQ(string_of(resource, "host.name"), host.data());
  ASSERT_EQ(resource.count("process.pid"), 1U);
  EXPECT_EQ(std::get<std::int64_t>(resource.at("process.pid").value), getpid());

  const json doc = parse(run_json(run));
  EXPECT_EQ(doc["argv"][2], "ünïcode arg");
  EXPECT_TRUE(doc["traceparent"].is_null());
}

TEST(DescribeThisRun, NoArgv) {
  ScopedEnv service("OTEL_SERVICE_NAME", nullptr);
  const RunInfo run = describe_this_run(0, nullptr);
  EXPECT_TRUE(run.argv.empty());
  EXPECT_EQ(string_of(resource_of(run), "service.name"), "unknown");
}

TEST(DescribeThisRun, OtelServiceName) {
  ScopedEnv attributes("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attributes");
  const std::array<const char*, 1> argv = {"prog"};
  {
    ScopedEnv service("OTEL_SERVICE_NAME", "checkout-tests");
    EXPECT_EQ(string_of(resource_of(describe_this_run(1, argv.data())), "service.name"), "checkout-tests");
  }
  {
    ScopedEnv service("OTEL_SERVICE_NAME", "");  // empty: as if unset
    EXPECT_EQ(string_of(resource_of(describe_this_run(1, argv.data())), "service.name"), "from-attributes");
  }
}

TEST(DescribeThisRun, OtelResourceAttributesArePercentDecoded) {
  ScopedEnv service("OTEL_SERVICE_NAME", nullptr);
  ScopedEnv attributes("OTEL_RESOURCE_ATTRIBUTES",
                       "deployment.environment=ci%20east, team = a%2Cb ,malformed,=nokey,"
                       "path=%2Fsrv%2Fapp,bad.escape=100%,utf8=%D0%A2%D0%B5%D1%81%D1%82,host.name=override");
  const std::array<const char*, 1> argv = {"/bin/prog"};
  const RunInfo run = describe_this_run(1, argv.data());
  const auto resource = resource_of(run);
  EXPECT_EQ(string_of(resource, "deployment.environment"), "ci east");
  EXPECT_EQ(string_of(resource, "team"), "a,b");
  EXPECT_EQ(string_of(resource, "path"), "/srv/app");
  EXPECT_EQ(string_of(resource, "bad.escape"), "100%");
  EXPECT_EQ(string_of(resource, "utf8"), "Тест");
  EXPECT_EQ(resource.count("malformed"), 0U);
  EXPECT_EQ(resource.count(""), 0U);
  EXPECT_EQ(string_of(resource, "service.name"), "prog");
  // The resource lands in the OTLP file as string attributes.
  const auto otlp =
      otlp_attributes(parse(otlp_json(TestRecord{}, run))["resourceSpans"][0]["resource"]["attributes"]);
  EXPECT_EQ(otlp.at("deployment.environment"), str_value("ci east"));
  EXPECT_EQ(otlp.at("utf8"), str_value("Тест"));
}

TEST(DescribeThisRun, GitHubActionsAttributesLandOnDiskAsExportSendsThem) {
  ScopedEnv service("OTEL_SERVICE_NAME", nullptr);
  ScopedEnv attributes("OTEL_RESOURCE_ATTRIBUTES", "cicd.pipeline.name=overridden");
  ScopedEnv actions("GITHUB_ACTIONS", "true");
  ScopedEnv workflow("GITHUB_WORKFLOW", "ci");
  ScopedEnv run_id("GITHUB_RUN_ID", "77");
  ScopedEnv server("GITHUB_SERVER_URL", "https://github.com/");
  ScopedEnv repository("GITHUB_REPOSITORY", "acme/shop");
  ScopedEnv job("GITHUB_JOB", "unit");
  const std::array<const char*, 1> argv = {"prog"};
  const auto resource = resource_of(describe_this_run(1, argv.data()));
  EXPECT_EQ(string_of(resource, "cicd.pipeline.name"), "overridden") << "OTEL_RESOURCE_ATTRIBUTES wins";
  EXPECT_EQ(string_of(resource, "cicd.pipeline.run.id"), "77");
  EXPECT_EQ(string_of(resource, "cicd.pipeline.task.name"), "unit");
  EXPECT_EQ(string_of(resource, "cicd.pipeline.run.url.full"),
            "https://github.com/acme/shop/actions/runs/77");
  {
    ScopedEnv not_actions("GITHUB_ACTIONS", nullptr);
    EXPECT_EQ(resource_of(describe_this_run(1, argv.data())).count("cicd.pipeline.run.id"), 0U);
  }
}

TEST(DescribeThisRun, Traceparent) {
  ScopedEnv service("OTEL_SERVICE_NAME", nullptr);
  const std::array<const char*, 1> argv = {"prog"};
  {
    ScopedEnv traceparent("TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    const RunInfo run = describe_this_run(1, argv.data());
    ASSERT_TRUE(run.parent.valid());
    EXPECT_EQ(run.parent.trace_id.to_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(run.parent.span_id, 0x00f067aa0ba902b7ULL);
    EXPECT_TRUE(run.parent.sampled);
    EXPECT_EQ(parse(run_json(run))["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  }
  for (const char* bad : {"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"}) {
    ScopedEnv traceparent("TRACEPARENT", bad);
    const RunInfo run = describe_this_run(1, argv.data());
    EXPECT_FALSE(run.parent.valid()) << bad;
    EXPECT_TRUE(parse(run_json(run))["traceparent"].is_null()) << bad;
  }
}

TEST(DescribeThisRun, EnvironmentIsRestored) {
  // Guards the guard: a variable set for a scope is back to what it was afterwards.
  const char* before = std::getenv("TRACEPARENT");
  const std::optional<std::string> saved =
      before != nullptr ? std::optional<std::string>(before) : std::nullopt;
  {
    ScopedEnv traceparent("TRACEPARENT", "x");
    EXPECT_STREQ(std::getenv("TRACEPARENT"), "x");
    {
      ScopedEnv unset("TRACEPARENT", nullptr);
      EXPECT_EQ(std::getenv("TRACEPARENT"), nullptr);
    }
    EXPECT_STREQ(std::getenv("TRACEPARENT"), "x");
  }
  const char* after = std::getenv("TRACEPARENT");
  EXPECT_EQ(after != nullptr ? std::optional<std::string>(after) : std::nullopt, saved);
}

}  // namespace
}  // namespace testscope
