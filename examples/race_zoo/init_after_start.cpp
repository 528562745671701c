// Race zoo, pattern 9: an order violation, a thread started before the state it reads is
// initialised.
//
// The shape of the Mozilla bug in Lu et al., "Learning from Mistakes: A Comprehensive
// Study on Real World Concurrency Bug Characteristics" (ASPLOS 2008): nsThread's creator
// calls PR_CreateThread and only then assigns mThread, which the new thread reads at its
// start. Here a dispatcher starts its worker thread, then sets the queue the worker drains;
// a worker that runs first finds no queue. Thread start-up takes tens of microseconds, so
// the worker nearly always starts late enough: the bug hides until a preemption (or a
// provoked wait) holds the creator between the two steps. The correct dispatcher sets the
// queue before it starts the thread (thread creation orders everything before it).
//
// Ground truth (also in docs/race-zoo.md and ground_truth.json):
//   racy test   Dispatcher.RacyWorkerFindsItsQueue
//   twin        Dispatcher.CorrectWorkerFindsItsQueue
//   threads     creator, worker
//   true cause  the worker's span `read_queue` begins before the creator's span
//               `init_queue` ends: the worker reads queue.ready=false.
#include <gtest/gtest.h>
#include <testscope/span.hpp>

#include <array>
#include <atomic>
#include <thread>

#include "actors.hpp"

namespace {

constexpr int kJobs = 4;

// The work queue the worker drains. Fixed jobs; only the pointer to it is shared.
struct JobQueue {
  std::array<int, kJobs> job_sizes{3, 1, 4, 1};
};

// Starts a worker that drains its queue. Thread-safe in the C++ sense (the queue pointer
// is atomic); only start_in_order() sets the queue before the worker can read it.
class Dispatcher {
 public:
  Dispatcher() = default;
  ~Dispatcher() {
    if (worker_.joinable()) worker_.join();
  }
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;
  Dispatcher(Dispatcher&&) = delete;
  Dispatcher& operator=(Dispatcher&&) = delete;

  // Starts the worker, then sets its queue (the race: the worker may run first).
  void start_then_init() {
    start_worker();
    init_queue();
  }
  // Sets the queue, then starts the worker.
  void start_in_order() {
    init_queue();
    start_worker();
  }
  // Waits for the worker; how many jobs it ran (0: it found no queue).
  int join() {
    worker_.join();
    return jobs_run_.load();
  }

 private:
  void start_worker() {
    testscope::Span span("start_worker");
    worker_ = std::thread([this] { run_worker(); });
  }
  void init_queue() {
    testscope::Span span("init_queue");
    queue_.store(&jobs_, std::memory_order_relaxed);
  }
  void run_worker() {
    testscope::set_thread_name("worker");
    const JobQueue* queue = nullptr;
    {
      testscope::Span span("read_queue");
      queue = queue_.load(std::memory_order_relaxed);
      span.set_attribute("queue.ready", queue != nullptr);
    }
    if (queue == nullptr) return;  // nothing to drain: the jobs are never run
    testscope::Span span("drain_queue");
    int total = 0;
    for (const int size : queue->job_sizes) total += size;
    span.set_attribute("jobs", kJobs).set_attribute("work.total", total);
    jobs_run_.store(kJobs);
  }

  JobQueue jobs_;
  std::atomic<const JobQueue*> queue_{nullptr};
  std::atomic<int> jobs_run_{0};
  std::thread worker_;
};

// The creator thread starts a dispatcher; returns how many jobs its worker ran.
int dispatch(bool in_order) {
  Dispatcher dispatcher;
  int jobs_run = 0;
  race_zoo::run_actors({{"creator", 0, [&] {
                           if (in_order) {
                             dispatcher.start_in_order();
                           } else {
                             dispatcher.start_then_init();
                           }
                           jobs_run = dispatcher.join();
                         }}});
  return jobs_run;
}

TEST(Dispatcher, RacyWorkerFindsItsQueue) {
  const int jobs_run = dispatch(/*in_order=*/false);
  EXPECT_EQ(jobs_run, kJobs) << "the worker started before the dispatcher set its queue and ran " << jobs_run
                             << " of " << kJobs << " jobs";
}

TEST(Dispatcher, CorrectWorkerFindsItsQueue) {
  const int jobs_run = dispatch(/*in_order=*/true);
  EXPECT_EQ(jobs_run, kJobs) << "the worker started before the dispatcher set its queue and ran " << jobs_run
                             << " of " << kJobs << " jobs";
}

}  // namespace
