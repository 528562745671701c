// Runs a program as a child process (posix_spawn, no shell) and collects its exit code,
// stdout and stderr. For integration tests only.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>  // environ

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace testscope::testing_support {

struct ProcessResult {
  int exit_code = -1;  // -1 if it did not exit normally
  int signal = 0;
  std::string out;
  std::string err;
};

// A null-terminated array of pointers into `strings`, as posix_spawn wants. Its parameters
// are `char* const[]` though it never writes through them; pointing at strings we own and
// may change needs no const_cast.
inline std::vector<char*> c_string_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Runs argv[0] with argv; the environment is ours minus TESTSCOPE_*/TRACEPARENT/OTEL_*,
// plus `env` ("NAME=value" entries).
inline ProcessResult run_process(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env = {}) {
  const auto scratch =
      std::filesystem::temp_directory_path() /
      ("testscope_subprocess_" + std::to_string(getpid()) + "_" + std::to_string(std::rand()));
  std::filesystem::create_directories(scratch);
  const std::string out_path = (scratch / "stdout").string();
  const std::string err_path = (scratch / "stderr").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
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
  ProcessResult result;
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data()) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  }
  posix_spawn_file_actions_destroy(&actions);
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  std::filesystem::remove_all(scratch);
  return result;
}

}  // namespace testscope::testing_support
