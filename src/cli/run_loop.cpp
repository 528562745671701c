#include "cli/run_loop.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <random>

#include "cli/process_group.hpp"

namespace testscope::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::int64_t unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Running {
  analysis::ExecutionRecord record;
  Clock::time_point start;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  bool interrupted = false;
};

// GoogleTest accepts seeds 1..99999 (0 means "from the clock").
long seed_for(long base, int index) { return (base - 1 + index - 1) % 99999 + 1; }

}  // namespace

LoopResult run_executions(const RunOptions& options, const fs::path& runs_dir, Progress& progress) {
  LoopResult result;
  sigset_t watched;
  sigemptyset(&watched);
  sigaddset(&watched, SIGCHLD);
  sigaddset(&watched, SIGINT);
  sigaddset(&watched, SIGTERM);
  sigset_t previous;
  sigprocmask(SIG_BLOCK, &watched, &previous);

  const long base_seed = options.seed.value_or(static_cast<long>(std::random_device{}() % 99999 + 1));
  const Clock::time_point start = Clock::now();
  const Clock::time_point budget_end = options.time_budget_s > 0
                                           ? start + std::chrono::duration_cast<Clock::duration>(
                                                         std::chrono::duration<double>(options.time_budget_s))
                                           : Clock::time_point::max();
  std::map<pid_t, Running> running;
  std::vector<analysis::ExecutionRecord> finished;
  bool stop = false;
  int next = 1;

  while (true) {
    while (!stop && next <= options.executions && static_cast<int>(running.size()) < options.jobs &&
           Clock::now() < budget_end) {
      Running r;
      r.record.name = std::to_string(next);
      std::vector<std::string> argv = options.program;
      if (options.shuffle) {
        r.record.seed = seed_for(base_seed, next);
        argv.push_back("--gtest_shuffle");
        argv.push_back("--gtest_random_seed=" + std::to_string(*r.record.seed));
      }
      const fs::path dir = runs_dir / r.record.name;
      fs::create_directories(dir);
      const auto env = environment_with("TESTSCOPE_ARTIFACTS", fs::absolute(dir).string());
      r.start = Clock::now();
      r.record.start_unix_ns = unix_ns();
      if (options.timeout_s > 0) {
        r.deadline = r.start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(options.timeout_s));
      }
      const pid_t pid = spawn_in_new_group(argv, env, (dir / "output.log").string(), result.spawn_error);
      if (pid < 0) {
        fs::remove_all(dir);
        stop = true;
        break;
      }
      ++next;
      running.emplace(pid, std::move(r));
    }
    if (running.empty()) break;

    Clock::time_point wake = Clock::now() + std::chrono::milliseconds(100);
    for (const auto& [pid, r] : running) {
      if (!r.timed_out && !r.interrupted) wake = std::min(wake, r.deadline);
    }
    if (!stop && next <= options.executions) wake = std::min(wake, budget_end);
    const auto wait = std::max(Clock::duration::zero(), wake - Clock::now());
    const auto wait_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
    timespec ts{static_cast<time_t>(wait_ns / 1000000000), static_cast<long>(wait_ns % 1000000000)};
    siginfo_t info;
    const int sig = sigtimedwait(&watched, &info, &ts);
    if (sig == SIGINT || sig == SIGTERM) {
      stop = true;
      result.manifest.interrupted = true;
      for (auto& [pid, r] : running) {
        r.interrupted = true;
        kill_group(pid);
      }
    }
    int status = 0;
    pid_t pid = 0;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      auto it = running.find(pid);
      if (it == running.end()) continue;
      kill_group(pid);  // whatever the program left behind in its group goes with it
      Running& r = it->second;
      r.record.duration_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - r.start).count();
      if (WIFEXITED(status)) r.record.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) r.record.signal = WTERMSIG(status);
      if (r.interrupted) {
        r.record.outcome = "interrupted";
      } else if (r.timed_out) {
        r.record.outcome = "timeout";
      } else if (r.record.signal != 0) {
        r.record.outcome = "crash";
      } else {
        r.record.outcome = r.record.exit_code == 0 ? "pass" : "fail";
      }
      if (options.until_fail && r.record.outcome != "pass" && r.record.outcome != "interrupted") stop = true;
      progress.finished(r.record);
      finished.push_back(std::move(r.record));
      running.erase(it);
    }
    const Clock::time_point now = Clock::now();
    for (auto& [group, r] : running) {
      if (!r.timed_out && !r.interrupted && now >= r.deadline) {
        r.timed_out = true;
        kill_group(group);
      }
    }
    progress.tick();
  }
  progress.done();
  const timespec now_only{0, 0};  // drop signals still pending (a second Ctrl-C): we are stopping anyway
  while (sigtimedwait(&watched, nullptr, &now_only) > 0) {
  }
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  std::sort(finished.begin(), finished.end(),
            [](const auto& a, const auto& b) { return std::stoi(a.name) < std::stoi(b.name); });
  result.manifest.executions = std::move(finished);
  return result;
}

}  // namespace testscope::cli
