// Race zoo, pattern 4: reading a result before the worker publishes it.
//
// A worker computes a checksum for a job and reports it; a client polls the job's status
// every few tens of microseconds and reads the result once the job says it is done. The
// racy job marks itself done before it stores the result, so a client that polls in that
// gap reads the empty result (0). The correct job stores the result first and publishes
// the status with release, which the client reads with acquire.
//
// The client is waiting first; the worker starts within the spread after.
//
// Ground truth (also in docs/race-zoo.md and ground_truth.json):
//   racy test   WorkerResult.RacyClientReadsPublishedResult
//   twin        WorkerResult.CorrectClientReadsPublishedResult
//   threads     client, worker
//   true cause  the client's span `read_result` begins before the worker's span
//               `store_result` ends: the client saw status done (set by the worker's
//               `set_done`) and read result=0.
#include <gtest/gtest.h>
#include <testscope/span.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "actors.hpp"

namespace {

constexpr const char* kPayload = "order-4711;customer-42;items=3;total=129.90;currency=EUR";
constexpr auto kPollInterval = std::chrono::microseconds(20);
// Only a safety net: the worker always finishes within a millisecond or so.
constexpr auto kGiveUpAfter = std::chrono::seconds(2);

// FNV-1a of the payload: the job's result, never 0 for this payload.
std::uint32_t checksum(const std::string& payload) {
  std::uint32_t hash = 2166136261U;
  for (const char c : payload) hash = (hash ^ static_cast<std::uint8_t>(c)) * 16777619U;
  return hash;
}

// A job's shared state: a status and a result. Thread-safe in the C++ sense; only
// finish_in_order() publishes the result before the status.
class Job {
 public:
  // Marks the job done, then stores the result (the race: done is visible first).
  void finish_done_first(std::uint32_t result) {
    set_done(std::memory_order_relaxed);
    store_result(result);
  }
  // Stores the result, then marks the job done with release.
  void finish_in_order(std::uint32_t result) {
    store_result(result);
    set_done(std::memory_order_release);
  }
  // Polls the status until done (or kGiveUpAfter); true if it is done.
  bool wait_done(std::memory_order order) {
    testscope::Span span("wait_done");
    const auto give_up = std::chrono::steady_clock::now() + kGiveUpAfter;
    int polls = 1;
    while (!done_.load(order)) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      std::this_thread::sleep_for(kPollInterval);
      ++polls;
    }
    span.set_attribute("polls", polls);
    return true;
  }
  std::uint32_t read_result() {
    testscope::Span span("read_result");
    const std::uint32_t result = result_.load(std::memory_order_relaxed);
    span.set_attribute("result", static_cast<std::int64_t>(result));
    return result;
  }

 private:
  void set_done(std::memory_order order) {
    testscope::Span span("set_done");
    done_.store(true, order);
  }
  void store_result(std::uint32_t result) {
    testscope::Span span("store_result");
    span.set_attribute("result", static_cast<std::int64_t>(result));
    result_.store(result, std::memory_order_relaxed);
  }

  std::atomic<bool> done_{false};
  std::atomic<std::uint32_t> result_{0};
};

// The worker computes the checksum and finishes the job; the client waits and reads it.
// Returns what the client read (0: nothing, or the job never finished).
std::uint32_t compute_while_client_waits(bool in_order) {
  Job job;
  std::uint32_t seen = 0;
  race_zoo::run_actors({
      {"client", 0,
       [&] {
         if (job.wait_done(in_order ? std::memory_order_acquire : std::memory_order_relaxed)) {
           seen = job.read_result();
         }
       }},
      {"worker", race_zoo::random_delay_us(race_zoo::kArrivalSpreadUs),
       [&] {
         std::uint32_t result = 0;
         {
           testscope::Span span("compute_result");
           result = checksum(kPayload);
         }
         if (in_order) {
           job.finish_in_order(result);
         } else {
           job.finish_done_first(result);
         }
       }},
  });
  return seen;
}

TEST(WorkerResult, RacyClientReadsPublishedResult) {
  const std::uint32_t seen = compute_while_client_waits(/*in_order=*/false);
  EXPECT_EQ(seen, checksum(kPayload))
      << "the client read result " << seen << " from a job marked done before its result was stored";
}

TEST(WorkerResult, CorrectClientReadsPublishedResult) {
  const std::uint32_t seen = compute_while_client_waits(/*in_order=*/true);
  EXPECT_EQ(seen, checksum(kPayload))
      << "the client read result " << seen << " from a job marked done before its result was stored";
}

}  // namespace
