// The CLI tests' harness: runs `testscope` as a real subprocess in a scratch folder and
// reads back what it wrote. Shared by every test that runs the command (tests/cli/,
// tests/rules/check_cli_test.cpp, tests/quarantine/quarantine_cli_test.cpp): link the
// testscope_cli_harness target and define TESTSCOPE_CLI as the command's path.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>  // environ

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace cli_test {

namespace fs = std::filesystem;
using nlohmann::json;

struct Result {
  int exit_code = -1;
  std::string out, err;
  double seconds = 0;
};

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to `path` (replacing it), creating the folders it needs.
inline void write_file(const fs::path& path, const std::string& text) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cli_test_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `testscope args...` in dir_ with `env` added to this process's environment, minus its
  // TESTSCOPE_*, GITHUB_* and GTEST_* variables (so that neither the CI that runs the tests nor
  // a quarantine file named there changes what the command does); sends SIGINT after
  // `interrupt_after` if > 0. stdout and stderr are captured through dir_/stdout and dir_/stderr.
  Result testscope(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                   std::chrono::milliseconds interrupt_after = std::chrono::milliseconds(0)) {
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = start_testscope(args, env, "");
    Result r;
    if (pid < 0) return r;
    if (interrupt_after.count() > 0) {
      std::this_thread::sleep_for(interrupt_after);
      kill(pid, SIGINT);
    }
    r = wait_testscope(pid, "");
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

  // Starts `testscope args...` as testscope() does and returns its pid (-1 if it could not
  // start) without waiting; its stdout and stderr go to dir_/<name>stdout and dir_/<name>stderr.
  pid_t start_testscope(const std::vector<std::string>& args, const std::vector<std::string>& env,
                        const std::string& name) {
    std::vector<std::string> argv{TESTSCOPE_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      if (entry.rfind("TESTSCOPE_", 0) != 0 && entry.rfind("GITHUB_", 0) != 0 &&
          entry.rfind("GTEST_", 0) != 0) {
        environment.push_back(entry);
      }
    }
    environment.insert(environment.end(), env.begin(), env.end());
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, (dir_ / (name + "stdout")).c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, (dir_ / (name + "stderr")).c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> a;
    a.reserve(argv.size() + 1);
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    std::vector<char*> e;
    e.reserve(environment.size() + 1);
    for (auto& s : environment) e.push_back(s.data());
    e.push_back(nullptr);
    const auto cwd = fs::current_path();
    fs::current_path(dir_);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, a[0], &actions, nullptr, a.data(), e.data());
    fs::current_path(cwd);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
  }

  // Waits for a testscope started by start_testscope(args, env, name) and reads its output.
  // A testscope killed by a signal has exit_code -1.
  Result wait_testscope(pid_t pid, const std::string& name) {
    Result r;
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    r.out = slurp(dir_ / (name + "stdout"));
    r.err = slurp(dir_ / (name + "stderr"));
    return r;
  }

  json read_json(const std::string& relative) { return json::parse(slurp(dir_ / relative)); }

  // Waits up to 10 s for `condition`.
  template <typename Condition>
  static bool eventually(Condition condition) {
    for (int i = 0; i < 1000; ++i) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  static bool gone(pid_t pid) {  // waits up to 5 s for a process to disappear (reaped by init)
    for (int i = 0; i < 500; ++i) {
      if (kill(pid, 0) != 0 && errno == ESRCH) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // The test's own scratch folder, where testscope runs.
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

inline const json& test_named(const json& verdicts, const std::string& name) {
  for (const json& t : verdicts["tests"]) {
    if (t["name"] == name) return t;
  }
  static const json kNone;
  ADD_FAILURE() << "no verdict for " << name << " in " << verdicts.dump();
  return kNone;
}

}  // namespace cli_test
