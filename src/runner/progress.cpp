#include "runner/progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace testscope::runner {
namespace {

// "1:05" or "1:02:03", to the nearest second; a time already past shows as "0:00".
std::string clock_text(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Progress::Progress(std::FILE* stream, bool terminal, int total, double budget_s)
    : stream_(stream),
      terminal_(terminal),
      total_(total),
      budget_s_(budget_s),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string Progress::status() const {
  const double elapsed = seconds_since(start_);
  std::string left = "?";
  if (done_ > 0) {
    double estimate = elapsed / done_ * (total_ - done_);
    if (budget_s_ > 0) estimate = std::min(estimate, std::max(0.0, budget_s_ - elapsed));
    left = "~" + clock_text(estimate);
  } else if (budget_s_ > 0) {
    left = "≤" + clock_text(budget_s_ - elapsed);
  }
  return fmt::format("{}/{} executions, {} failed, elapsed {}, left {}", done_, total_, failures_,
                     clock_text(elapsed), left);
}

void Progress::draw_bar() {
  constexpr int kWidth = 24;
  const int filled = total_ > 0 ? done_ * kWidth / total_ : 0;
  fmt::print(stream_, "\r\033[K[{}{}] {}", std::string(static_cast<std::size_t>(filled), '#'),
             std::string(static_cast<std::size_t>(kWidth - filled), '.'), status());
  std::fflush(stream_);
  last_draw_ = std::chrono::steady_clock::now();
}

void Progress::finished(const analysis::ExecutionRecord& record) {
  ++done_;
  if (record.outcome != "pass" && record.outcome != "interrupted") ++failures_;
  if (terminal_) {
    draw_bar();
    return;
  }
  if (record.outcome != "pass" && record.outcome != "interrupted") {
    std::string how = record.outcome;
    if (record.exit_code >= 0) how += fmt::format(", exit code {}", record.exit_code);
    if (record.signal != 0) how += fmt::format(", signal {}", record.signal);
    fmt::print(stream_, "testscope: execution {} {} ({:.2f} s)\n", record.name, how,
               static_cast<double>(record.duration_ns) / 1e9);
  }
  if (seconds_since(last_draw_) >= 5 || done_ == total_) {
    fmt::print(stream_, "testscope: {}\n", status());
    last_draw_ = std::chrono::steady_clock::now();
  }
  std::fflush(stream_);
}

void Progress::tick() {
  if (terminal_ && seconds_since(last_draw_) >= 0.1) draw_bar();
}

void Progress::done() {
  if (terminal_) {
    fmt::print(stream_, "\r\033[K");
    std::fflush(stream_);
  }
}

}  // namespace testscope::runner
