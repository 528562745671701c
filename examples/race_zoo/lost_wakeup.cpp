// Race zoo, pattern 5: a lost wakeup.
//
// A consumer waits for a producer's "batch ready" signal on a condition variable. The
// racy consumer checks the flag outside the lock and only then locks and waits; the racy
// producer sets the flag and notifies without the lock. If the producer sets and notifies
// between the consumer's check and its wait, the notification finds nobody waiting and
// the consumer sleeps until its deadline (kWaitBound, so a lost wakeup fails the test
// instead of hanging it). The correct pair sets the flag under the lock and waits with
// the condition checked under the lock (wait_for with a predicate).
//
// The consumer is waiting first; the producer arrives within the spread after.
//
// Ground truth (also in docs/race-zoo.md and ground_truth.json):
//   racy test   Wakeup.RacyConsumerWakesOnSignal
//   twin        Wakeup.CorrectConsumerWakesOnSignal
//   threads     consumer, producer
//   true cause  the producer's span `notify` ends before the consumer's span `wait_signal`
//               begins (the consumer's `check_ready` having seen ready=false): the
//               notification comes before anyone waits and is lost.
#include <gtest/gtest.h>
#include <testscope/span.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "actors.hpp"

namespace {

// How long the consumer waits for the signal before giving up.
constexpr auto kWaitBound = std::chrono::milliseconds(200);

// A one-shot "batch ready" signal. Thread-safe in the C++ sense; only the *_locked
// members are a correct wait/notify protocol.
class BatchSignal {
 public:
  // Checks the flag without the lock, then waits: the check and the wait are not one
  // step (the race). True if woken by a notification, false at kWaitBound.
  bool wait_racy() {
    if (check_ready()) return true;
    testscope::Span span("wait_signal");
    std::unique_lock<std::mutex> lock(mutex_);
    const bool woken = ready_changed_.wait_for(lock, kWaitBound) == std::cv_status::no_timeout;
    span.set_attribute("woken", woken);
    return woken;
  }
  // Sets the flag and notifies, neither under the lock.
  void signal_racy() {
    {
      testscope::Span span("set_ready");
      ready_.store(true, std::memory_order_relaxed);
    }
    testscope::Span span("notify");
    ready_changed_.notify_one();
  }

  // Checks and waits under the lock: the flag cannot change between the two. True if
  // the flag was set within kWaitBound.
  bool wait_locked() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (check_ready()) return true;
    testscope::Span span("wait_signal");
    const bool woken =
        ready_changed_.wait_for(lock, kWaitBound, [this] { return ready_.load(std::memory_order_relaxed); });
    span.set_attribute("woken", woken);
    return woken;
  }
  // Sets the flag under the lock, then notifies.
  void signal_locked() {
    {
      testscope::Span span("set_ready");
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.store(true, std::memory_order_relaxed);
    }
    testscope::Span span("notify");
    ready_changed_.notify_one();
  }

 private:
  bool check_ready() {
    testscope::Span span("check_ready");
    const bool ready = ready_.load(std::memory_order_relaxed);
    span.set_attribute("ready", ready);
    return ready;
  }

  std::mutex mutex_;
  std::condition_variable ready_changed_;
  std::atomic<bool> ready_{false};
};

// The consumer waits for the batch, the producer signals it. Returns whether the consumer
// saw the signal before kWaitBound.
bool consume_while_producing(bool locked) {
  BatchSignal signal;
  bool woken = false;
  race_zoo::run_actors({
      {"consumer", 0, [&] { woken = locked ? signal.wait_locked() : signal.wait_racy(); }},
      {"producer", race_zoo::random_delay_us(race_zoo::kArrivalSpreadUs),
       [&] { locked ? signal.signal_locked() : signal.signal_racy(); }},
  });
  return woken;
}

TEST(Wakeup, RacyConsumerWakesOnSignal) {
  EXPECT_TRUE(consume_while_producing(/*locked=*/false))
      << "the consumer slept its full " << kWaitBound.count()
      << " ms although the producer had signalled: the wakeup was lost";
}

TEST(Wakeup, CorrectConsumerWakesOnSignal) {
  EXPECT_TRUE(consume_while_producing(/*locked=*/true))
      << "the consumer slept its full " << kWaitBound.count()
      << " ms although the producer had signalled: the wakeup was lost";
}

}  // namespace
