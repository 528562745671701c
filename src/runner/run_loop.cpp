#include "runner/run_loop.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <random>

#include "recorder/clock.hpp"
#include "runner/crash_recovery.hpp"
#include "runner/process_group.hpp"

namespace testscope::runner {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Running {
  analysis::ExecutionRecord record;
  Clock::time_point start;
  Clock::time_point deadline = Clock::time_point::max();
  int slot = 0;  // job slot: which buffer folder its program uses
  bool timed_out = false;
  bool interrupted = false;
};

// GoogleTest accepts seeds 1..99999 (0 means "from the clock").
long seed_for(long base, int index) { return (base - 1 + index - 1) % 99999 + 1; }

Clock::duration to_duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Waits for one of the `watched` signals (which must be blocked) until `wake`. Returns the
// signal, or -1 if none came in time.
int wait_for_signal(const sigset_t& watched, Clock::time_point wake) {
  const auto wait = std::max(Clock::duration::zero(), wake - Clock::now());
  const auto wait_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
  timespec ts{static_cast<time_t>(wait_ns / 1000000000), static_cast<long>(wait_ns % 1000000000)};
  siginfo_t info;
  return sigtimedwait(&watched, &info, &ts);
}

// Records how the execution `r` ended, from its wait status.
void record_end(Running& r, int status) {
  r.record.duration_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - r.start).count();
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
}

// The state of one run_executions call: what runs, what finished, whether to start more.
class ExecutionLoop {
 public:
  ExecutionLoop(const RunRequest& request, const fs::path& runs_dir, Progress& progress,
                const SpanContext& run_span, const ExecutionsObserver& observer)
      : options_(request.options),
        program_(request.program),
        replay_(request.replay),
        run_span_(run_span),
        runs_dir_(runs_dir),
        progress_(progress),
        observer_(observer),
        base_seed_(request.options.seed.value_or(1)),
        budget_end_(options_.time_budget_s > 0 ? Clock::now() + to_duration(options_.time_budget_s)
                                               : Clock::time_point::max()) {}

  // Runs until no execution is left to start or running. `watched` (SIGCHLD, SIGINT and
  // SIGTERM) must be blocked.
  void run(const sigset_t& watched) {
    while (true) {
      start_executions();
      if (running_.empty()) break;
      const int sig = wait_for_signal(watched, next_wake());
      if (sig == SIGINT || sig == SIGTERM) interrupt();
      reap_finished();
      kill_overdue();
      progress_.tick();
      tell_observer();
    }
  }

  // What the loop did, executions in order of their numbers. Call once, after run().
  LoopResult take_result() {
    std::sort(finished_.begin(), finished_.end(),
              [](const auto& a, const auto& b) { return std::stoi(a.name) < std::stoi(b.name); });
    result_.manifest.executions = std::move(finished_);
    return std::move(result_);
  }

 private:
  bool more_to_start() const { return !stop_ && next_ <= options_.executions; }

  // Tells the observer the executions so far, when they changed and its time has come.
  void tell_observer() {
    if (!observer_ || !changed_ || Clock::now() < next_observation_) return;
    std::vector<analysis::ExecutionRecord> records = finished_;
    for (const auto& [pid, r] : running_) {
      records.push_back(r.record);
      records.back().outcome = "running";
    }
    std::sort(records.begin(), records.end(),
              [](const auto& a, const auto& b) { return std::stoi(a.name) < std::stoi(b.name); });
    const Clock::time_point start = Clock::now();
    observer_(records);
    const Clock::time_point end = Clock::now();
    next_observation_ = end + std::max<Clock::duration>(std::chrono::milliseconds(100), (end - start) * 10);
    changed_ = false;
  }

  // The execution's folder and its log, made here and not by the spawn: a full disk is then
  // "cannot create <OUT>/runs/3/output.log", not "cannot start PROGRAM" (issue 14). Returns
  // the log's fd, or -1 with result_.out_error set.
  int open_execution_log(const fs::path& dir) {
    std::error_code made;
    fs::create_directories(dir, made);
    const int log =
        made ? -1
             : open((dir / "output.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) {
      const std::string what =
          made ? made.message() : std::error_code(errno, std::generic_category()).message();
      result_.out_error =
          fmt::format("cannot create {}: {}", (made ? dir : dir / "output.log").string(), what);
      fs::remove_all(dir, made);
    }
    return log;
  }

  // The environment of execution `r` (its folder `dir`, its slot taken), recording in `r` the
  // seeds and span it is given.
  std::vector<std::string> execution_environment(Running& r, const fs::path& dir) {
    auto env = environment_with("TESTSCOPE_ARTIFACTS", fs::absolute(dir).string());
    std::erase_if(env, [](const std::string& entry) { return entry.starts_with("TESTSCOPE_BUFFER_DIR="); });
    env.push_back("TESTSCOPE_BUFFER_DIR=" + fs::absolute(buffer_dir(runs_dir_, r.slot)).string());
    std::erase_if(env, [](const std::string& entry) { return entry.starts_with("TESTSCOPE_RUN_TOKEN="); });
    env.push_back(guard_.mark(r.record.name));
    if (options_.shard) set_shard_environment(env, *options_.shard);
    if (replay_) {
      r.record.seed = replay_->seed;
    } else if (options_.shuffle) {
      r.record.seed = seed_for(base_seed_, next_);
    }
    if (r.record.seed) set_shuffle_environment(env, static_cast<long>(*r.record.seed));
    if (replay_ || !options_.provoke.empty()) {
      r.record.provoke = replay_ ? replay_->provoke : provoke_for_execution(options_, next_);
      set_provoke_environment(env, r.record.provoke);
    }
    if (run_span_.valid()) {
      SpanContext execution = run_span_;
      execution.span_id = random_span_id();
      r.record.trace_id = execution.trace_id.to_hex();
      r.record.span_id = span_id_to_hex(execution.span_id);
      std::erase_if(env, [](const std::string& entry) { return entry.starts_with("TRACEPARENT="); });
      env.push_back("TRACEPARENT=" + execution.to_traceparent());
    }
    return env;
  }

  // Starts executions while there are more to start, a free job slot and time in the budget.
  void start_executions() {
    while (more_to_start() && static_cast<int>(running_.size()) < options_.jobs &&
           Clock::now() < budget_end_) {
      Running r;
      r.record.name = std::to_string(next_);
      const fs::path dir = runs_dir_ / r.record.name;
      const int log = open_execution_log(dir);
      if (log < 0) {
        stop_ = true;
        return;
      }
      r.slot = take_slot();
      const std::vector<std::string> env = execution_environment(r, dir);
      r.start = Clock::now();
      r.record.start_unix_ns = detail::unix_now_ns();
      if (options_.timeout_s > 0) r.deadline = r.start + to_duration(options_.timeout_s);
      const pid_t pid = spawn_in_new_group(program_, env, log, result_.spawn_error);
      close(log);
      if (pid < 0) {
        slot_busy_[r.slot] = false;
        fs::remove_all(dir);
        stop_ = true;
        return;
      }
      guard_.watch(pid);
      ++next_;
      changed_ = true;
      running_.emplace(pid, std::move(r));
    }
  }

  // The lowest free job slot, marked busy. Its buffer folder is made (empty) at its first
  // use and kept until the run ends: a folder per execution cost an inode and, on ext4 with
  // `discard`, a synchronous trim when removed (docs/performance.md, goal 6).
  int take_slot() {
    auto it = std::find(slot_busy_.begin(), slot_busy_.end(), false);
    if (it == slot_busy_.end()) {
      const fs::path folder = buffer_dir(runs_dir_, static_cast<int>(slot_busy_.size()));
      fs::remove_all(folder);          // whatever a killed earlier run left: not ours to recover
      fs::create_directories(folder);  // without it the program keeps buffers in memory
      it = slot_busy_.insert(slot_busy_.end(), false);
    }
    *it = true;
    return static_cast<int>(it - slot_busy_.begin());
  }

  // When the loop must look again: at a running execution's deadline, when the time budget
  // ends, and at least every 100 ms (for the progress line).
  Clock::time_point next_wake() const {
    Clock::time_point wake = Clock::now() + std::chrono::milliseconds(100);
    for (const auto& [pid, r] : running_) {
      if (!r.timed_out && !r.interrupted) wake = std::min(wake, r.deadline);
    }
    if (more_to_start()) wake = std::min(wake, budget_end_);
    return wake;
  }

  // SIGINT or SIGTERM: start nothing more and kill every running group.
  void interrupt() {
    stop_ = true;
    result_.manifest.interrupted = true;
    for (auto& [pid, r] : running_) {
      r.interrupted = true;
      kill_group(pid);
    }
  }

  void reap_finished() {
    int status = 0;
    pid_t pid = 0;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      auto it = running_.find(pid);
      if (it == running_.end()) continue;
      kill_group(pid);  // whatever the program left behind in its group goes with it
      guard_.forget(pid);
      changed_ = true;
      Running& r = it->second;
      record_end(r, status);
      left_running(r.record, pid);
      const fs::path buffers = buffer_dir(runs_dir_, r.slot);
      for (const std::string& problem :
           recover_execution(runs_dir_ / r.record.name, buffers, r.record, program_, options_.timeout_s)) {
        std::fprintf(stderr, "testscope: execution %s: cannot recover: %s\n", r.record.name.c_str(),
                     problem.c_str());
      }
      if (options_.until_fail && r.record.outcome != "pass" && r.record.outcome != "interrupted") {
        stop_ = true;
      }
      slot_busy_[r.slot] = false;
      progress_.finished(r.record);
      finished_.push_back(std::move(r.record));
      running_.erase(it);
    }
  }

  // What the execution left running outside its group (a daemon, a server with a session of
  // its own) would outlive it and could disturb the next executions: killed, recorded, said.
  void left_running(analysis::ExecutionRecord& record, pid_t group) {
    record.left_running = guard_.kill_left_running(record.name, group);
    if (record.left_running.empty()) return;
    std::string list;
    for (const analysis::LeftProcess& p : record.left_running) {
      list += fmt::format("{}{} ({})", list.empty() ? "" : ", ", p.pid, p.command);
    }
    std::fprintf(stderr,
                 "testscope: execution %s left %zu process%s running outside its process group, killed: %s\n",
                 record.name.c_str(), record.left_running.size(), record.left_running.size() == 1 ? "" : "es",
                 list.c_str());
  }

  void kill_overdue() {
    const Clock::time_point now = Clock::now();
    for (auto& [group, r] : running_) {
      if (!r.timed_out && !r.interrupted && now >= r.deadline) {
        r.timed_out = true;
        kill_group(group);
      }
    }
  }

  const analysis::RunOptions& options_;
  const std::vector<std::string>& program_;
  const std::optional<analysis::ExecutionRecord>& replay_;
  const SpanContext run_span_;
  const fs::path& runs_dir_;
  Progress& progress_;
  const ExecutionsObserver& observer_;
  OrphanGuard guard_;
  bool changed_ = false;
  Clock::time_point next_observation_ = Clock::time_point::min();
  const long base_seed_;
  const Clock::time_point budget_end_;
  std::map<pid_t, Running> running_;
  std::vector<analysis::ExecutionRecord> finished_;
  std::vector<bool> slot_busy_;  // by job slot
  LoopResult result_;
  bool stop_ = false;
  int next_ = 1;
};

}  // namespace

std::uint64_t random_span_id() {
  static std::mt19937_64 engine{(static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                                std::random_device{}() ^ static_cast<std::uint64_t>(detail::unix_now_ns())};
  std::uint64_t id = 0;
  while (id == 0) id = engine();
  return id;
}

LoopResult run_executions(const RunRequest& request, const fs::path& runs_dir, Progress& progress,
                          const SpanContext& run_span, const ExecutionsObserver& observer) {
  sigset_t watched;
  sigemptyset(&watched);
  sigaddset(&watched, SIGCHLD);
  sigaddset(&watched, SIGINT);
  sigaddset(&watched, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &watched, &previous);

  std::optional<LoopResult> result;
  {
    ExecutionLoop loop(request, runs_dir, progress, run_span, observer);
    loop.run(watched);
    result = loop.take_result();
  }  // the orphan guard's watchdog is reaped here, before SIGCHLD is unblocked
  std::error_code ignored;
  fs::remove_all(runs_dir.parent_path() / "buffers", ignored);  // every slot's folder, now empty
  progress.done();
  const timespec now_only{0, 0};  // drop signals still pending (a second Ctrl-C): we are stopping anyway
  while (sigtimedwait(&watched, nullptr, &now_only) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return std::move(*result);
}

}  // namespace testscope::runner
