// One clock for every thread: the CPU's invariant timestamp counter where there is one
// (x86-64: constant and non-stop TSC, synchronised across cores by the kernel), else
// CLOCK_MONOTONIC in nanoseconds. Ticks are converted to nanoseconds at capture time.
#pragma once

#include <cstdint>
#include <ctime>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define TESTSCOPE_HAVE_TSC
#endif

namespace testscope::detail {

inline std::uint64_t now_ticks() noexcept {
#ifdef TESTSCOPE_HAVE_TSC
  return __rdtsc();
#else
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
#endif
}

inline std::int64_t unix_now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// Converts ticks to nanoseconds. The rate is measured against CLOCK_MONOTONIC from the
// first call on, so it gets more exact the longer the program runs; the first call spends
// about 2 ms measuring. Thread-compatible: call from the capturing thread only.
class TickClock {
 public:
  // Re-measures the rate against the first sample; cheap (two clock reads).
  void refine() noexcept;
  double ns_per_tick() noexcept;

 private:
  bool started_ = false;
  std::uint64_t ticks0_ = 0;
  std::int64_t mono0_ = 0;
  double ns_per_tick_ = 1.0;
};

TickClock& tick_clock() noexcept;

}  // namespace testscope::detail
