#include "runner/process_group.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>  // environ

#include <csignal>
#include <cstring>
#include <system_error>

namespace testscope::runner {
namespace {

// A null-terminated array of pointers into `strings`, as posix_spawn wants. Its parameters
// are `char* const[]` though it never writes through them; pointing at strings we own and
// may change needs no const_cast.
std::vector<char*> c_string_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

pid_t spawn_in_new_group(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                         const std::string& log_path, std::string& error) {
  if (argv.empty()) {
    error = "no program given";
    return -1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;  // the runner blocks and waits for these; the child starts clean
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGCHLD);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> argv_copy = argv;
  std::vector<std::string> environment_copy = environment;
  const std::vector<char*> args = c_string_array(argv_copy);
  const std::vector<char*> envp = c_string_array(environment_copy);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    error = argv[0] + ": " + std::generic_category().message(rc);
    return -1;
  }
  return pid;
}

void kill_group(pid_t pgid) {
  if (pgid > 0) kill(-pgid, SIGKILL);
}

std::vector<std::string> environment_with(const std::string& name, const std::string& value) {
  std::vector<std::string> out;
  const std::string prefix = name + "=";
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, prefix.c_str(), prefix.size()) != 0) out.emplace_back(*e);
  }
  out.push_back(prefix + value);
  return out;
}

}  // namespace testscope::runner
