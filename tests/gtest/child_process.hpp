// A child process running beside the test (a Prometheus server, a Pushgateway, a test
// program being scraped, promtool reading a file): posix_spawn, no shell; stdout and
// stderr go to files, stdin may come from one. The destructor stops it (SIGTERM, then
// SIGKILL) and reaps it, so a failing test never leaves a server behind. Every wait is
// bounded. For integration tests only.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "subprocess.hpp"

namespace testscope::testing_support {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with our environment minus TESTSCOPE_*/TRACEPARENT/OTEL_*/GTEST_*,
  // plus `env` ("NAME=value"). started() says whether it did; error() why not.
  explicit ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                        const std::string& stdin_path = "") {
    static std::atomic<int> counter{0};
    scratch_ = std::filesystem::temp_directory_path() /
               ("testscope_child_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(scratch_);
    std::filesystem::create_directories(scratch_);
    const std::string out = (scratch_ / "stdout").string();
    const std::string err = (scratch_ / "stderr").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path.empty() ? "/dev/null" : stdin_path.c_str(),
                                     O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      if (entry.rfind("TESTSCOPE_", 0) == 0 || entry.rfind("TRACEPARENT=", 0) == 0 ||
          entry.rfind("OTEL_", 0) == 0 || entry.rfind("GTEST_", 0) == 0) {
        continue;
      }
      environment.push_back(entry);
    }
    environment.insert(environment.end(), env.begin(), env.end());
    std::vector<std::string> argv_copy = argv;
    const std::vector<char*> args = c_string_array(argv_copy);
    const std::vector<char*> envp = c_string_array(environment);
    const int rc =
        argv.empty() ? EINVAL : posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      error_ = (argv.empty() ? std::string("no program") : argv[0]) + ": " +
               std::error_code(rc, std::generic_category()).message();
      pid_ = 0;
    }
  }
  ~ChildProcess() {
    stop();
    std::filesystem::remove_all(scratch_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ != 0 || exited_; }
  const std::string& error() const { return error_; }
  pid_t pid() const { return pid_; }

  // True once it has exited (waiting at most `timeout`).
  bool wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ != 0) {
      int status = 0;
      const pid_t done = waitpid(pid_, &status, WNOHANG);
      if (done == pid_ || done < 0) {
        if (done == pid_ && WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
        if (done == pid_ && WIFSIGNALED(status)) signal_ = WTERMSIG(status);
        pid_ = 0;
        exited_ = true;
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exited_;
  }
  // SIGTERM, up to 5 s to exit, then SIGKILL; reaps it.
  void stop() {
    if (pid_ == 0) return;
    kill(pid_, SIGTERM);
    if (!wait(std::chrono::seconds(5))) {
      kill(pid_, SIGKILL);
      wait(std::chrono::seconds(5));
    }
  }

  int exit_code() const { return exit_code_; }  // -1 unless it exited normally
  int signal() const { return signal_; }
  std::string out() const { return slurp(scratch_ / "stdout"); }
  std::string err() const { return slurp(scratch_ / "stderr"); }

 private:
  std::filesystem::path scratch_;
  pid_t pid_ = 0;
  bool exited_ = false;
  int exit_code_ = -1;
  int signal_ = 0;
  std::string error_;
};

}  // namespace testscope::testing_support
