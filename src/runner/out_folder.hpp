// The output folder of one `testscope run` (docs/cli.md, "run"): a lock held for the run's
// whole life, so that two runs (or a run and a merge) never write into the same OUT, and
// the previous run's results kept aside until the new run has something to replace them
// with, so that a typo in PROGRAM or an early Ctrl-C loses nothing. Not thread-safe: the
// runner's one thread uses it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace testscope::runner {

// The lock file in OUT. flock(2) on it: the kernel releases it when the holder ends, however
// it ends (SIGKILL included), so a killed run never leaves OUT locked.
inline constexpr const char* kOutLockFile = ".testscope.lock";
// Where a previous run's results wait (OUT/.testscope-previous/) while the new run starts.
inline constexpr const char* kPreviousRunFolder = ".testscope-previous";

class OutFolder {
 public:
  // Makes `out` if needed and locks it. nullptr with `error` set when another process holds
  // the lock (the message names its pid and host) or OUT cannot be made or locked.
  static std::unique_ptr<OutFolder> lock(const std::filesystem::path& out, std::string& error);

  // Whether another process holds `out`'s lock now (a run or a merge writing into it): its
  // holder ("pid 1234 on ci-host", or "another process"), else "". Takes no lock itself.
  static std::string holder(const std::filesystem::path& out);

  // Releases the lock (the lock file is removed first, so no later run locks a stale file).
  ~OutFolder();
  OutFolder(const OutFolder&) = delete;
  OutFolder& operator=(const OutFolder&) = delete;

  // Readies OUT for the new run: a previous run's runs/, verdicts.json and testscope-run.json
  // are moved aside (whatever an earlier killed run left aside is removed first); a folder
  // holding runs/ but no testscope-run.json is refused. Makes runs/. Returns an error or "".
  std::string prepare();

  // A previous run's results wait aside.
  bool has_previous() const noexcept { return has_previous_; }

  // The new run has a finished execution: the previous results go. Harmless to repeat.
  void discard_previous() noexcept;

  // The new run finished no execution: OUT is put back as it was before prepare() (the new
  // runs/, testscope-run.json and verdicts.json removed, the previous ones moved back).
  // Returns whether there were previous results to put back.
  bool restore_previous() noexcept;

 private:
  OutFolder(std::filesystem::path out, int fd) : out_(std::move(out)), fd_(fd) {}
  // Moves what prepare() put aside back into OUT (which must not hold those entries).
  void move_back() noexcept;

  std::filesystem::path out_;
  int fd_ = -1;
  bool has_previous_ = false;
};

}  // namespace testscope::runner
