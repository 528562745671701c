#include "recorder/clock.hpp"

namespace testscope::detail {
namespace {

std::int64_t mono_now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

constexpr std::int64_t kFirstCalibrationNs = 2'000'000;

}  // namespace

void TickClock::refine() noexcept {
#ifdef TESTSCOPE_HAVE_TSC
  if (!started_) {
    started_ = true;
    mono0_ = mono_now_ns();
    ticks0_ = now_ticks();
    while (mono_now_ns() - mono0_ < kFirstCalibrationNs) {
    }
  }
  const std::int64_t mono = mono_now_ns();
  const std::uint64_t ticks = now_ticks();
  if (ticks > ticks0_) {
    ns_per_tick_ = static_cast<double>(mono - mono0_) / static_cast<double>(ticks - ticks0_);
  }
#endif
}

double TickClock::ns_per_tick() noexcept {
  if (!started_) refine();
  return ns_per_tick_;
}

TickClock& tick_clock() noexcept {
  static TickClock clock;
  return clock;
}

}  // namespace testscope::detail
