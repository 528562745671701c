// Provocation: deterministic pseudo-random waits at the points code already marks.
#include "recorder/provoke.hpp"

#include <sched.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "recorder/clock.hpp"
#include "testscope/detail/foreign.hpp"
#include "testscope/provoke.hpp"

namespace testscope {
namespace detail {

std::atomic<bool> g_provoke_active{false};

namespace {

std::atomic<std::uint8_t> g_profile{0};
std::atomic<std::uint64_t> g_seed{0};
std::atomic<bool> g_configured{false};            // by the program or the environment
std::atomic<std::uint32_t> g_thread_arrivals{0};  // threads seen at a point in this test

constexpr std::array<std::string_view, 6> kProfileNames = {"off", "light", "medium", "heavy", "pct", "chaos"};

std::uint64_t mix(std::uint64_t z) noexcept {  // splitmix64's finaliser
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

std::uint64_t hash_bytes(std::string_view text) noexcept {  // FNV-1a
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// A delay between `low_us` and `high_us`, log-uniform (short waits as often as long ones,
// by order of magnitude), from the 53 high bits of `h`.
std::int64_t log_uniform_ns(std::uint64_t h, double low_us, double high_us) noexcept {
  const double u = static_cast<double>(h >> 11U) * 0x1.0p-53;
  return static_cast<std::int64_t>(std::exp(std::log(low_us) + u * (std::log(high_us) - std::log(low_us))) *
                                   1000);
}

// How long this point waits (0: not at all), by the profile. `h` is the point's own random
// number, `slow` whether the thread is kChaos's slow one.
std::int64_t chosen_wait_ns(ProvokeProfile profile, std::uint64_t h, bool slow) noexcept {
  const std::uint64_t draw = h & 0xFFFFU;  // the low bits decide whether, the high bits how long
  switch (profile) {
    case ProvokeProfile::kLight:
      return draw < 0x4000U ? log_uniform_ns(h, 10, 200) : 0;  // 1 in 4
    case ProvokeProfile::kMedium:
      return draw < 0x8000U ? log_uniform_ns(h, 20, 1000) : 0;  // 1 in 2
    case ProvokeProfile::kHeavy:
      return draw < 0xC000U ? log_uniform_ns(h, 50, 3000) : 0;  // 3 in 4
    case ProvokeProfile::kPct:
      return draw < 0x1000U ? log_uniform_ns(h, 2000, 6000) : 0;  // 1 in 16, long
    case ProvokeProfile::kChaos:
      return slow ? log_uniform_ns(h, 100, 1000) : 0;
    case ProvokeProfile::kOff:
      break;
  }
  return 0;
}

// Waits `ns`: short waits spin with sched_yield (a sleep's wake-up alone takes ~50 us),
// longer ones sleep. Returns how long it really waited.
std::int64_t wait_for(std::int64_t ns) noexcept {
  const std::int64_t start = monotonic_ns();
  if (ns < 50000) {
    while (monotonic_ns() - start < ns) sched_yield();
  } else {
    timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
    while (nanosleep(&ts, &ts) != 0) {
    }
  }
  return monotonic_ns() - start;
}

// The thread's key: its name when set_thread_name() gave it one (stable across executions),
// else its order of arrival at a point in this test.
void start_thread_test(ThreadState& state) noexcept {
  state.provoke_epoch = state.epoch;
  state.provoke_points = 0;
  std::uint64_t key = 0;
  try {
    std::lock_guard<std::mutex> lock(state.buffer->name_mutex);
    if (state.buffer->custom_name) key = hash_bytes(state.buffer->name);
  } catch (...) {
  }
  if (key == 0) key = g_thread_arrivals.fetch_add(1, std::memory_order_relaxed) + 1;
  state.provoke_thread_key = key;
  state.provoke_slow = (mix(g_seed.load(std::memory_order_relaxed) ^ mix(key)) & 1U) != 0;
}

void read_environment() noexcept {
  if (g_configured.exchange(true)) return;
  const char* profile_text = std::getenv("TESTSCOPE_PROVOKE");
  if (profile_text == nullptr || *profile_text == '\0') return;
  const auto profile = parse_provoke_profile(profile_text);
  if (!profile) {
    std::fprintf(
        stderr,
        "testscope: warning: TESTSCOPE_PROVOKE: expected off, light, medium, heavy, pct or chaos, got "
        "'%s'; no provocation\n",
        profile_text);
    return;
  }
  std::uint64_t seed = 0;
  if (const char* seed_text = std::getenv("TESTSCOPE_PROVOKE_SEED");
      seed_text != nullptr && *seed_text != '\0') {
    char* end = nullptr;
    seed = std::strtoull(seed_text, &end, 10);
    if (end == seed_text || *end != '\0') {
      std::fprintf(
          stderr, "testscope: warning: TESTSCOPE_PROVOKE_SEED: expected a decimal number, got '%s'; seed 0\n",
          seed_text);
      seed = 0;
    }
  }
  g_seed.store(seed, std::memory_order_relaxed);
  g_profile.store(static_cast<std::uint8_t>(*profile), std::memory_order_relaxed);
}

}  // namespace

ProvokeWait provoke_wait(ThreadState& state, PointKind kind, std::string_view name,
                         std::uint32_t line) noexcept {
  if (state.provoke_epoch != state.epoch) start_thread_test(state);
  const auto profile = static_cast<ProvokeProfile>(g_profile.load(std::memory_order_relaxed));
  const std::uint64_t site =
      hash_bytes(name) ^ (static_cast<std::uint64_t>(line) << 8U) ^ static_cast<std::uint64_t>(kind);
  const std::uint64_t h = mix(g_seed.load(std::memory_order_relaxed) ^ mix(state.provoke_thread_key) ^
                              mix(site + 0x9E3779B97F4A7C15ULL * ++state.provoke_points));
  const std::int64_t wait_ns = chosen_wait_ns(profile, h, state.provoke_slow);
  ProvokeWait wait{0, 0, kind, name};
  if (wait_ns <= 0) return wait;
  wait.start_ticks = now_ticks();
  wait.waited_ns = wait_for(wait_ns);
  return wait;
}

void record_wait(ThreadState& state, std::uint64_t span_id, const ProvokeWait& wait) noexcept {
  if (wait.waited_ns <= 0) return;
  const PointKind kind = wait.kind;
  const std::string_view name = wait.name;
  static constexpr std::array<std::string_view, 5> kKinds = {"begin ", "end ", "log ", "point ", "resume "};
  std::array<char, 72> point{};
  const std::string_view kind_text = kKinds.at(static_cast<std::size_t>(kind));
  const std::size_t name_len = std::min(name.size(), point.size() - kind_text.size());
  kind_text.copy(point.data(), kind_text.size());
  name.copy(point.data() + kind_text.size(), name_len);
  const std::array<Attribute, 2> attributes = {
      Attribute{"testscope.provoke.wait_ns", AttributeValue(static_cast<std::int64_t>(wait.waited_ns))},
      Attribute{"testscope.provoke.point", std::string_view(point.data(), kind_text.size() + name_len)}};
  record_event_at(state, span_id, wait.start_ticks, "testscope.provoke.wait", attributes.data(),
                  attributes.size());
}

void provoke_at(ThreadState& state, PointKind kind, std::string_view name, std::uint32_t line) noexcept {
  const ProvokeWait wait = provoke_wait(state, kind, name, line);
  if (wait.waited_ns <= 0) return;
  const SpanContext at = state.current.valid() ? state.current : root_context();
  record_wait(state, at.span_id, wait);
}

std::int64_t provoke_resume_delay_ns(std::string_view unit, std::uint64_t occurrence) noexcept {
  if (!provoke_active()) return 0;
  const auto profile = static_cast<ProvokeProfile>(g_profile.load(std::memory_order_relaxed));
  const std::uint64_t seed = g_seed.load(std::memory_order_relaxed);
  const std::uint64_t key = mix(hash_bytes(unit));
  const bool slow = (mix(seed ^ key) & 1U) != 0;  // as start_thread_test() decides a thread's
  const auto site = static_cast<std::uint64_t>(PointKind::kResume);
  const std::uint64_t h = mix(seed ^ key ^ mix(site + 0x9E3779B97F4A7C15ULL * occurrence));
  return chosen_wait_ns(profile, h, slow);
}

void provoke_test_begin() noexcept {
  read_environment();
  g_thread_arrivals.store(0, std::memory_order_relaxed);
  g_provoke_active.store(g_profile.load(std::memory_order_relaxed) != 0, std::memory_order_release);
}

void provoke_test_end() noexcept { g_provoke_active.store(false, std::memory_order_release); }

void provoke_at_point(std::string_view name, std::uint32_t line) noexcept {
  if (!capture_active()) return;
  if (ThreadState* state = thread_state()) provoke_at(*state, PointKind::kPoint, name, line);
}

}  // namespace detail

std::string_view provoke_profile_name(ProvokeProfile profile) noexcept {
  const auto index = static_cast<std::size_t>(profile);
  return index < detail::kProfileNames.size() ? detail::kProfileNames.at(index) : "off";
}

std::optional<ProvokeProfile> parse_provoke_profile(std::string_view name) noexcept {
  for (std::size_t i = 0; i < detail::kProfileNames.size(); ++i) {
    if (detail::kProfileNames.at(i) == name) return static_cast<ProvokeProfile>(i);
  }
  return std::nullopt;
}

void configure_provocation(const ProvokeSettings& settings) noexcept {
  detail::g_configured.store(true);
  detail::g_seed.store(settings.seed, std::memory_order_relaxed);
  detail::g_profile.store(static_cast<std::uint8_t>(settings.profile), std::memory_order_relaxed);
}

ProvokeSettings provocation_settings() noexcept {
  detail::read_environment();
  return ProvokeSettings{static_cast<ProvokeProfile>(detail::g_profile.load(std::memory_order_relaxed)),
                         detail::g_seed.load(std::memory_order_relaxed)};
}

}  // namespace testscope
