// How every race in the zoo starts: the threads of a test (its "actors") get ready, spin
// until all are, then each begins its work after its own short delay, so two requests
// meet the way they do in a service (a fraction of a millisecond apart, in either order),
// not in lockstep. The delays are random per execution (std::random_device): whether the
// bad interleaving happens is up to the scheduler, as in a real flaky test.
#pragma once

#include <testscope/span.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace race_zoo {

// Requests in the zoo arrive within this many microseconds of each other.
constexpr int kArrivalSpreadUs = 500;

// A delay drawn uniformly from [0, max_us] microseconds. Thread-safe.
inline int random_delay_us(int max_us) {
  std::random_device seed;
  std::uniform_int_distribution<int> spread(0, max_us);
  return spread(seed);
}

// One thread of a race: its name in the timeline, when it starts after the common start,
// and what it does.
struct Actor {
  std::string name;
  int delay_us = 0;
  std::function<void()> work;
};

// Runs each actor on its own thread named actor.name (testscope::set_thread_name); the
// threads spin until all are ready, then each spins actor.delay_us more and runs its
// work. Returns when every actor has finished. The work must not throw.
inline void run_actors(std::vector<Actor> actors) {
  const int count = static_cast<int>(actors.size());
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  threads.reserve(actors.size());
  for (Actor& actor : actors) {
    threads.emplace_back([&ready, count, &actor] {
      testscope::set_thread_name(actor.name);
      ready.fetch_add(1);
      while (ready.load() < count) {
      }  // everyone ready: now each arrives after its own delay
      const auto arrival = std::chrono::steady_clock::now() + std::chrono::microseconds(actor.delay_us);
      while (std::chrono::steady_clock::now() < arrival) {
      }
      actor.work();
    });
  }
  for (std::thread& thread : threads) thread.join();
}

}  // namespace race_zoo
