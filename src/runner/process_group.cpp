#include "runner/process_group.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>  // environ

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <system_error>

#include "runner/process_scan.hpp"

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

// The watchdog's table of groups. Static, so that the forked watchdog allocates nothing.
// --jobs is at most 1024; a group beyond the table goes unguarded.
constexpr std::size_t kMaxWatched = 4096;
std::array<std::int32_t, kMaxWatched> watched_groups{};

// "TESTSCOPE_RUN_TOKEN=<16 hex digits>.": the start of the environment entry every execution
// of this run carries (then its name). Static, so that the forked watchdog has it.
constexpr const char* kTokenVariable = "TESTSCOPE_RUN_TOKEN=";
std::array<char, 64> run_token_prefix{};

// Up to 10 rounds (a process may fork while the last one is killed) of SIGKILL to every
// process whose environment carries this run's token.
void kill_token_bearers() {
  static std::array<FoundProcess, 256> found{};
  for (int round = 0; round < 10; ++round) {
    const std::size_t n = find_processes_with_env(run_token_prefix.data(), true, found.data(), found.size());
    if (n == 0) return;
    for (std::size_t i = 0; i < n && i < found.size(); ++i) kill(found[i].pid, SIGKILL);
    const timespec pause{0, 10'000'000};
    nanosleep(&pause, nullptr);
  }
}

// One message to the watchdog: a group to watch (> 0) or to forget (< 0).
void apply_message(std::int32_t message) {
  const std::int32_t find = message > 0 ? 0 : -message;
  const std::int32_t put = message > 0 ? message : 0;
  for (std::int32_t& slot : watched_groups) {
    if (slot == find) {
      slot = put;
      return;
    }
  }
}

// The watchdog's own setup: a process group of its own, deaf to the terminal's signals, no
// fd of the caller's held open but `input`.
void detach_watchdog(int input) {
  setpgid(0, 0);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;  // NOLINT(cppcoreguidelines-pro-type-union-access): POSIX's layout
  for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU}) {
    sigaction(sig, &ignore, nullptr);
  }
  const int null = open("/dev/null", O_RDWR);
  for (int fd = 0; fd <= 2; ++fd) dup2(null, fd);  // hold no terminal or pipe of the caller open
  if (input > 3) close_range(3, static_cast<unsigned>(input) - 1, 0);
  close_range(static_cast<unsigned>(input) + 1, ~0U, 0);
}

// The watchdog: only async-signal-safe calls from here on (the parent may have had threads).
[[noreturn]] void run_watchdog(int input) {
  detach_watchdog(input);
  std::array<char, 4096> bytes{};
  std::size_t held = 0;
  while (true) {
    const ssize_t n = read(input, bytes.data() + held, bytes.size() - held);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    held += static_cast<std::size_t>(n);
    std::size_t at = 0;
    for (; at + sizeof(std::int32_t) <= held; at += sizeof(std::int32_t)) {
      std::int32_t message = 0;
      std::memcpy(&message, bytes.data() + at, sizeof message);
      apply_message(message);
    }
    std::memmove(bytes.data(), bytes.data() + at, held - at);
    held -= at;
  }
  for (const std::int32_t group : watched_groups) {
    if (group > 0) kill(-group, SIGKILL);
  }
  kill_token_bearers();  // what left its group, and what started in the moment before `watch`
  _exit(0);
}

}  // namespace

OrphanGuard::OrphanGuard() noexcept {
  std::uint64_t token = 0;
  try {
    std::random_device random;
    token = (std::uint64_t{random()} << 32U) ^ random();
  } catch (...) {
    token = static_cast<std::uint64_t>(getpid()) ^ static_cast<std::uint64_t>(time(nullptr)) << 20U;
  }
  std::snprintf(run_token_prefix.data(), run_token_prefix.size(), "%s%016llx.", kTokenVariable,
                static_cast<unsigned long long>(token));
  token_ = run_token_prefix;
  std::array<int, 2> ends{};
  if (pipe2(ends.data(), O_CLOEXEC) != 0) return;
  const pid_t pid = fork();
  if (pid == 0) {
    close(ends[1]);
    run_watchdog(ends[0]);
  }
  close(ends[0]);
  if (pid < 0) {
    close(ends[1]);
    return;
  }
  pipe_ = ends[1];
  watchdog_ = pid;
}

OrphanGuard::~OrphanGuard() {
  if (pipe_ >= 0) close(pipe_);
  if (watchdog_ > 0) {
    while (waitpid(watchdog_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

std::string OrphanGuard::mark(const std::string& execution) const { return token_.data() + execution; }

std::vector<analysis::LeftProcess> OrphanGuard::kill_left_running(const std::string& execution,
                                                                  pid_t pgid) const {
  std::vector<analysis::LeftProcess> killed;
  const std::string entry = mark(execution);
  std::array<FoundProcess, 64> found{};
  for (int round = 0; round < 3; ++round) {
    const std::size_t n =
        std::min(find_processes_with_env(entry.c_str(), false, found.data(), found.size()), found.size());
    bool any = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (found[i].pgid == pgid) continue;  // in its group: killed with it, not left behind
      any = true;
      if (kill(found[i].pid, SIGKILL) != 0) continue;
      const bool seen = std::any_of(killed.begin(), killed.end(),
                                    [&](const analysis::LeftProcess& p) { return p.pid == found[i].pid; });
      if (!seen) killed.push_back({found[i].pid, found[i].command.data()});
    }
    if (!any) break;
  }
  return killed;
}

void OrphanGuard::watch(pid_t pgid) noexcept { send(pgid); }

void OrphanGuard::forget(pid_t pgid) noexcept { send(-pgid); }

void OrphanGuard::send(pid_t message) const noexcept {
  if (pipe_ < 0 || message == 0) return;
  const auto value = static_cast<std::int32_t>(message);
  // 4 bytes: one atomic write to a pipe. A watchdog that died leaves EPIPE (SIGPIPE is ignored).
  while (write(pipe_, &value, sizeof value) < 0 && errno == EINTR) {
  }
}

pid_t spawn_in_new_group(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                         int log, std::string& error) {
  if (argv.empty()) {
    error = "no program given";
    return -1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log, 1);  // dup2 clears close-on-exec on the copy
  posix_spawn_file_actions_adddup2(&actions, log, 2);
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
