// testscope/provoke.hpp: make a rare race show up by pushing the schedule at the places
// the code already marks: span begins and ends, log events, and explicit provocation points.
//
// Off unless asked for. `testscope run --provoke[=PROFILE] --seed S` asks through the
// environment (TESTSCOPE_PROVOKE=PROFILE, TESTSCOPE_PROVOKE_SEED=N, one seed per
// execution); a program may also call configure_provocation() itself. While a test is
// captured and provocation is on, each point makes a deterministic pseudo-random choice,
// keyed by (seed, the thread's name or its order of arrival in the test, the point's name
// and line, how many points the thread passed before), whether to make this thread wait
// here and for how long. Every wait is recorded as an event `testscope.provoke.wait` (with
// `testscope.provoke.wait_ns` and `testscope.provoke.point`) on the thread's current span,
// so the timeline shows where the schedule was pushed.
//
// Waits only delay a thread: they never reorder memory, skip work or change a result, so
// correct code passes with provocation as without. They bias the schedule; they do not
// control it (docs/provoke.md). When off, a point costs one relaxed load and a branch.
//
// Thread-safety: configure_provocation() before the tests start (not concurrently with
// running tests); provoke_point() from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "testscope/detail/recorder_hooks.hpp"
#include "testscope/span.hpp"

namespace testscope {

// How waits are chosen (docs/provoke.md has what each reproduced on the race zoo):
//   kLight, kMedium, kHeavy  random delays at points, more and longer from light to heavy;
//   kPct                     a few change points per test where one thread is held back long
//                            (after PCT, probabilistic concurrency testing);
//   kChaos                   one thread made slow for the whole test (after rr's chaos mode).
enum class ProvokeProfile : std::uint8_t { kOff, kLight, kMedium, kHeavy, kPct, kChaos };

// "off", "light", "medium", "heavy", "pct", "chaos".
std::string_view provoke_profile_name(ProvokeProfile profile) noexcept;
// The profile named `name` (as above); nullopt for any other text.
std::optional<ProvokeProfile> parse_provoke_profile(std::string_view name) noexcept;

// What provocation does now. Plain value.
struct ProvokeSettings {
  ProvokeProfile profile = ProvokeProfile::kOff;
  std::uint64_t seed = 0;
};

// Turns provocation on (or off with kOff) for the tests that start after the call.
void configure_provocation(const ProvokeSettings& settings) noexcept;
// The settings in force (read from TESTSCOPE_PROVOKE and TESTSCOPE_PROVOKE_SEED at the
// first test, unless configure_provocation() was called). A bad value is ignored with one
// warning on stderr.
ProvokeSettings provocation_settings() noexcept;

// An explicit point, for code that has no span where the race is:
//   testscope::provoke_point("cache.fill");   // between the read and the fill
// `name` identifies the point in the choice and in the event. Free when provocation is off.
inline void provoke_point(std::string_view name,
                          SourceLocation location = SourceLocation::current()) noexcept {
  if (detail::provoke_active()) detail::provoke_at_point(name, location.line);
}

}  // namespace testscope
