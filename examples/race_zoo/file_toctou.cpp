// Race zoo, pattern 11: a time-of-check-to-time-of-use race on a file.
//
// Two exporters finish at the same moment and each writes the nightly report unless it
// already exists. The racy exporter checks with stat() whether the file exists, then
// creates it with O_CREAT|O_TRUNC: both can find it absent and both write it, the second
// truncating and replacing the first's report while the first believes its report was
// delivered. The correct exporter lets the kernel decide in one step: open() with
// O_CREAT|O_EXCL creates the file for exactly one of them (the other gets EEXIST).
//
// Ground truth (also in docs/race-zoo.md and ground_truth.json):
//   racy test   ReportFile.RacyReportIsWrittenOnce
//   twin        ReportFile.CorrectReportIsWrittenOnce
//   threads     exporter-1, exporter-2 (arrive in either order); the "earlier exporter"
//               is the one whose check_exists begins first
//   true cause  the later exporter's span `check_exists` begins before the earlier
//               exporter's span `create_file` ends: both find file.exists=false and both
//               write the report.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <testscope/span.hpp>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "actors.hpp"

namespace {

// The exporters finish within this many microseconds of each other (a file-system step
// takes tens of microseconds, so their arrivals spread wider than the in-memory patterns').
constexpr int kFinishSpreadUs = 1000;

// Does the report exist?
bool check_exists(const std::string& path) {
  testscope::Span span("check_exists");
  span.set_attribute("file.path", path);
  struct stat info {};
  const bool exists = ::stat(path.c_str(), &info) == 0;
  span.set_attribute("file.exists", exists);
  return exists;
}

// Creates the report and writes `body`; with `exclusive`, only if it does not exist yet.
// True if this call created it.
bool create_file(const std::string& path, const std::string& body, bool exclusive) {
  testscope::Span span("create_file");
  span.set_attribute("file.path", path).set_attribute("file.exclusive", exclusive);
  const int flags = O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC);
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) {
    span.set_attribute("file.created", false).set_attribute("errno", errno);
    return false;
  }
  const bool written = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
  ::close(fd);
  span.set_attribute("file.created", true).set_attribute("file.written", written);
  return true;
}

// An exporter's last step: write the report unless someone already has. True if this
// exporter wrote it.
bool export_report(const std::string& path, const std::string& exporter, bool exclusive) {
  testscope::Span span("export_report");
  span.set_attribute("exporter", exporter);
  if (check_exists(path)) return false;
  const std::string body = "nightly report\nexported by " + exporter + "\nrows: 1024\n";
  return create_file(path, body, exclusive);
}

class ReportFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = "/tmp/race_zoo_report_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "cannot create a temporary folder";
    dir_ = pattern;
  }
  void TearDown() override {
    std::remove(path().c_str());
    ::rmdir(dir_.c_str());
  }
  std::string path() const { return dir_ + "/report.csv"; }

  // Two exporters finish at once; returns how many of them wrote the report.
  int export_concurrently(bool exclusive) {
    std::atomic<int> written{0};
    auto exporter = [&](const std::string& name) {
      return race_zoo::Actor{name, race_zoo::random_delay_us(kFinishSpreadUs), [&, name] {
                               if (export_report(path(), name, exclusive)) written.fetch_add(1);
                             }};
    };
    race_zoo::run_actors({exporter("exporter-1"), exporter("exporter-2")});
    return written.load();
  }

 private:
  std::string dir_;
};

TEST_F(ReportFile, RacyReportIsWrittenOnce) {
  const int written = export_concurrently(/*exclusive=*/false);
  EXPECT_EQ(written, 1)
      << "both exporters found the report absent and wrote it: one report replaced the other";
}

TEST_F(ReportFile, CorrectReportIsWrittenOnce) {
  const int written = export_concurrently(/*exclusive=*/true);
  EXPECT_EQ(written, 1)
      << "both exporters found the report absent and wrote it: one report replaced the other";
}

}  // namespace
