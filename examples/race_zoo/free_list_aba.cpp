// Race zoo, pattern 10: ABA on a lock-free free list.
//
// A pool hands out buffers from a lock-free stack (Treiber's): pop reads the head and
// its successor, then swaps the head to the successor if the head is unchanged. One
// allocator pops; the other pops two buffers and gives the first back. If all three of
// the second allocator's steps land between the first allocator's read of the head and
// its swap, the head is the same buffer again (A, then B, then A), the swap succeeds and
// installs a successor that the second allocator holds: the free list now hands out a
// buffer that is in use. The correct pool tags the head with a version that every swap
// increments, so the stale swap fails and retries (the classic ABA cure).
//
// The first allocator arrives first; the second within the spread after.
//
// Ground truth (also in docs/race-zoo.md and ground_truth.json):
//   racy test   FreeList.RacyPoolNeverHandsOutABufferTwice
//   twin        FreeList.CorrectPoolNeverHandsOutABufferTwice
//   threads     alloc-1, alloc-2
//   true cause  alloc-2's span `push_node` ends before alloc-1's span `swap_head` begins
//               (alloc-1's `read_head` having read head=0, next=1 before alloc-2's pops):
//               alloc-1 swaps in buffer 1, which alloc-2 holds.
#include <gtest/gtest.h>
#include <testscope/span.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "actors.hpp"

namespace {

constexpr int kBuffers = 4;
constexpr int kNone = -1;

// A pool of kBuffers buffers with a lock-free free list of their indices. The head word
// holds a version (high half) and the index of the first free buffer (low half). Thread-
// safe in the C++ sense; only with `tagged` does a pop never install a stale successor.
class BufferPool {
 public:
  explicit BufferPool(bool tagged) : tagged_(tagged) {
    for (int i = 0; i < kBuffers; ++i) next_[i].store(i + 1 < kBuffers ? i + 1 : kNone);
    head_.store(make_head(0, 0));
  }

  // Takes a buffer off the free list; its index, or kNone when none is free.
  int pop() {
    for (;;) {
      std::uint64_t head = 0;
      int next = kNone;
      {
        testscope::Span span("read_head");
        head = head_.load(std::memory_order_acquire);
        if (index_of(head) == kNone) return kNone;
        next = next_[index_of(head)].load(std::memory_order_relaxed);
        span.set_attribute("head", index_of(head)).set_attribute("next", next);
      }
      testscope::Span span("swap_head");
      span.set_attribute("head", index_of(head)).set_attribute("next", next);
      if (head_.compare_exchange_strong(head, make_head(version_after(head), next),
                                        std::memory_order_acq_rel)) {
        return index_of(head);
      }
      span.set_attribute("swap.retry", true);
    }
  }
  // Gives buffer `index` back.
  void push(int index) {
    testscope::Span span("push_node");
    span.set_attribute("node", index);
    std::uint64_t head = head_.load(std::memory_order_acquire);
    do {
      next_[index].store(index_of(head), std::memory_order_relaxed);
    } while (
        !head_.compare_exchange_weak(head, make_head(version_after(head), index), std::memory_order_acq_rel));
  }
  // The free list from the head, as indices (stops after kBuffers, so a cycle shows).
  std::vector<int> free_list() const {
    std::vector<int> free;
    for (int i = index_of(head_.load()); i != kNone && free.size() <= kBuffers; i = next_[i].load()) {
      free.push_back(i);
    }
    return free;
  }

 private:
  static std::uint64_t make_head(std::uint64_t version, int index) {
    return version << 32 | static_cast<std::uint32_t>(index);
  }
  static int index_of(std::uint64_t head) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(head));
  }
  std::uint64_t version_after(std::uint64_t head) const { return tagged_ ? (head >> 32) + 1 : 0; }

  const bool tagged_;
  std::atomic<std::uint64_t> head_{0};
  std::array<std::atomic<int>, kBuffers> next_;
};

// alloc-1 takes a buffer; alloc-2 takes two and gives the first back. Returns the buffers
// that are both held by an allocator and on the free list (empty when the pool is sound).
std::set<int> allocate_concurrently(bool tagged, std::string& held_report) {
  BufferPool pool(tagged);
  int first = kNone;
  std::array<int, 2> second{kNone, kNone};
  race_zoo::run_actors({
      {"alloc-1", 0, [&] { first = pool.pop(); }},
      {"alloc-2", race_zoo::random_delay_us(race_zoo::kArrivalSpreadUs),
       [&] {
         second[0] = pool.pop();
         second[1] = pool.pop();
         pool.push(second[0]);
       }},
  });
  const std::set<int> held{first, second[1]};
  held_report = "alloc-1 holds " + std::to_string(first) + ", alloc-2 holds " + std::to_string(second[1]) +
                ", free list:";
  std::set<int> both;
  for (const int index : pool.free_list()) {
    held_report += " " + std::to_string(index);
    if (held.contains(index)) both.insert(index);
  }
  return both;
}

TEST(FreeList, RacyPoolNeverHandsOutABufferTwice) {
  std::string held;
  const std::set<int> both = allocate_concurrently(/*tagged=*/false, held);
  EXPECT_TRUE(both.empty()) << "a buffer in use is on the free list (ABA on the head): " << held;
}

TEST(FreeList, CorrectPoolNeverHandsOutABufferTwice) {
  std::string held;
  const std::set<int> both = allocate_concurrently(/*tagged=*/true, held);
  EXPECT_TRUE(both.empty()) << "a buffer in use is on the free list (ABA on the head): " << held;
}

}  // namespace
