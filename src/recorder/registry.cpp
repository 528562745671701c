// Thread registration, buffer reuse, capture epochs and id generation.
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <vector>

#include "recorder/clock.hpp"
#include "recorder/provoke.hpp"
#include "recorder/thread_state.hpp"
#include "testscope/detail/foreign.hpp"

namespace testscope::detail {

std::atomic<bool> g_capture_active{false};
std::atomic<std::uint32_t> g_epoch{1};
constinit thread_local ThreadState* t_state [[gnu::tls_model("initial-exec")]] = nullptr;

std::atomic<std::uint64_t> g_root_trace_hi{0};
std::atomic<std::uint64_t> g_root_trace_lo{0};
std::atomic<std::uint64_t> g_root_span{0};

namespace {
std::atomic<std::uint64_t> g_threads_without_buffer{0};
// The calling thread's own state once it has recorded into a lane (enter_lane()).
thread_local ThreadState* t_own_state = nullptr;

// Never destroyed: threads may record (and exit) during static destruction.
struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<ThreadBuffer>> buffers;
  std::uint32_t next_thread_index = 1;
  Region control;                           // the control block's memory, mapped at first use
  ControlHeader* control_header = nullptr;  // at control.base
};

void lock_for_fork();
void unlock_in_parent();
void privatise_in_child();

Registry& registry() noexcept {
  // Leaked on purpose (never destroyed, as said above). Out of memory at first use leaves
  // nothing to recover, so std::bad_alloc may end the program here (noexcept).
  static auto* instance = [] {
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory,bugprone-unhandled-exception-at-new): see comment above
    auto* reg = new Registry();
    pthread_atfork(lock_for_fork, unlock_in_parent, privatise_in_child);
    return reg;
  }();
  return *instance;
}

// fork() while another thread registers must not leave the child's registry locked; and
// the child's records must not go to the parent's files.
void lock_for_fork() { registry().mutex.lock(); }
void unlock_in_parent() { registry().mutex.unlock(); }
void privatise_in_child() {
  Registry& reg = registry();
  for (auto& buffer : reg.buffers) {
    make_private(buffer->region, kBufferHeaderBytes + buffer->header->head.load(std::memory_order_relaxed));
  }
  make_private(reg.control, kControlBytes);
  reg.mutex.unlock();
}

void store_name(BufferHeader& header, std::string_view name) noexcept {
  const std::size_t n = std::min(name.size(), header.name.size() - 1);
  std::copy_n(name.data(), n, header.name.data());
  header.name[n] = '\0';
}

std::uint64_t seed_from_os() noexcept {
  try {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32U) ^ device();
  } catch (...) {
    return static_cast<std::uint64_t>(now_ticks()) ^
           static_cast<std::uint64_t>(syscall(SYS_gettid)) * 0x9E3779B97F4A7C15ULL;
  }
}

// Marks the thread's buffer retired when the thread exits.
struct ThreadExit {
  ThreadExit() = default;
  ThreadExit(const ThreadExit&) = delete;
  ThreadExit& operator=(const ThreadExit&) = delete;
  ThreadExit(ThreadExit&&) = delete;
  ThreadExit& operator=(ThreadExit&&) = delete;
  ~ThreadExit() {
    // The thread's own state, not a lane it was recording into (enter_lane()).
    if (ThreadState* state = t_own_state != nullptr ? t_own_state : t_state) {
      const std::unique_ptr<ThreadState> owned(state);  // register_thread() released it to t_state
      t_state = nullptr;
      t_own_state = nullptr;
      state->buffer->retired.store(true, std::memory_order_release);
    }
  }
};
thread_local ThreadExit t_exit;

std::string os_thread_name() {
  std::array<char, 32> name{};
  if (pthread_getname_np(pthread_self(), name.data(), name.size()) != 0) return {};
  return name.data();
}

// The control block, mapped at first use; null if no memory could be had. Call with
// reg.mutex held.
ControlHeader* map_control_block(Registry& reg) noexcept {
  if (reg.control.base == nullptr) {
    reg.control = map_region(kControlBytes, "control");
    if (reg.control.base == nullptr) return nullptr;
    // In the mapping, never unmapped: nothing owns it.
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory)
    reg.control_header = new (reg.control.base) ControlHeader{};
    reg.control_header->magic = kControlMagic;
    reg.control_header->version = kFormatVersion;
    reg.control_header->pid = static_cast<std::uint64_t>(getpid());
  }
  return reg.control_header;
}

ThreadBuffer* acquire_buffer(Registry& reg) {
  const std::uint32_t epoch = g_epoch.load(std::memory_order_acquire);
  for (auto& buffer : reg.buffers) {
    // A retired buffer from an earlier epoch was read at that test's end (or never will be).
    if (buffer->retired.load(std::memory_order_acquire) &&
        buffer->header->epoch.load(std::memory_order_relaxed) != epoch) {
      buffer->retired.store(false, std::memory_order_relaxed);
      return buffer.get();
    }
  }
  // The small control block first: on a disk too full for a buffer it still fits, and the
  // runner can charge a crash to the test it names (file backing stops at the first failure).
  (void)map_control_block(reg);
  const std::size_t capacity = buffer_capacity();
  std::array<char, 32> file_name{};
  std::snprintf(file_name.data(), file_name.size(), "%zu.buffer", reg.buffers.size() + 1);
  const Region region = map_region(kBufferHeaderBytes + capacity, file_name.data());
  if (region.base == nullptr) return nullptr;
  auto buffer = std::make_unique<ThreadBuffer>();
  buffer->region = region;
  // The header lives in the mapping, which is never unmapped: nothing owns it.
  // NOLINTNEXTLINE(cppcoreguidelines-owning-memory)
  buffer->header =
      new (region.base) BufferHeader{kBufferMagic, kFormatVersion, 0, capacity, {0}, {0}, {0}, 0, 0, {}};
  buffer->data = region.base + kBufferHeaderBytes;
  buffer->capacity = capacity;
  reg.buffers.push_back(std::move(buffer));
  return reg.buffers.back().get();
}

}  // namespace

std::size_t buffer_capacity() noexcept {
  static const std::size_t kCapacity = [] {
    constexpr std::size_t kDefault = std::size_t{8} << 20U;
    const char* env = std::getenv("TESTSCOPE_BUFFER_KB");
    if (env == nullptr) return kDefault;
    char* end = nullptr;
    const unsigned long long kib = std::strtoull(env, &end, 10);
    if (end == env || *end != '\0' || kib < 4 || kib > (std::size_t{1} << 22U)) return kDefault;
    return static_cast<std::size_t>(kib) << 10U;
  }();
  return kCapacity;
}

namespace {
// A new state with a buffer of its own: the calling thread's (named as the OS names it) or,
// for a lane, a binding's unit of concurrency named `lane_name`. Null if no buffer.
std::unique_ptr<ThreadState> make_state(const std::string_view* lane_name) {
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  ThreadBuffer* buffer = acquire_buffer(reg);
  if (buffer == nullptr) return nullptr;
  auto state = std::make_unique<ThreadState>();
  state->buffer = buffer;
  state->header = buffer->header;
  state->data = buffer->data;
  state->capacity = buffer->capacity;
  state->epoch = 0;  // forces sync_epoch on first use
  state->rng = seed_from_os();
  BufferHeader& header = *buffer->header;
  header.head.store(0, std::memory_order_relaxed);
  header.epoch.store(0, std::memory_order_relaxed);
  buffer->thread_index = reg.next_thread_index++;
  buffer->os_tid = lane_name != nullptr ? kLaneTidBase + buffer->thread_index
                                        : static_cast<std::uint64_t>(syscall(SYS_gettid));
  header.os_tid = buffer->os_tid;
  header.thread_index = buffer->thread_index;
  {
    std::lock_guard<std::mutex> name_lock(buffer->name_mutex);
    buffer->name = lane_name != nullptr ? std::string(lane_name->substr(0, 31)) : os_thread_name();
    buffer->custom_name = lane_name != nullptr;
    store_name(header, buffer->name);
  }
  return state;
}
}  // namespace

ThreadState* register_thread() noexcept {
  try {
    std::unique_ptr<ThreadState> state = make_state(nullptr);
    if (!state) {
      g_threads_without_buffer.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    (void)&t_exit;  // registers the thread-exit hook
    t_state = state.release();
    return t_state;
  } catch (...) {
    g_threads_without_buffer.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
}

ThreadState* open_lane(std::string_view name) noexcept {
  try {
    std::unique_ptr<ThreadState> state = make_state(&name);
    if (!state) g_threads_without_buffer.fetch_add(1, std::memory_order_relaxed);
    return state.release();  // owned by the binding until close_lane()
  } catch (...) {
    g_threads_without_buffer.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
}

ThreadState* enter_lane(ThreadState* lane) noexcept {
  if (t_own_state == nullptr) {
    // The first switch on this thread: remember its own state (registering it if new).
    t_own_state = t_state != nullptr ? t_state : register_thread();
    if (t_own_state == nullptr) return nullptr;
  }
  ThreadState* previous = t_state == t_own_state ? nullptr : t_state;
  t_state = lane != nullptr ? lane : t_own_state;
  return previous;
}

void close_lane(ThreadState* lane) noexcept {
  if (lane == nullptr) return;
  const std::unique_ptr<ThreadState> owned(lane);
  lane->buffer->retired.store(true, std::memory_order_release);
}

void sync_epoch(ThreadState& state, std::uint32_t epoch) noexcept {
  ThreadBuffer& buffer = *state.buffer;
  state.head = 0;
  state.end_room = 0;  // spans begun in earlier epochs end without it
  state.room = state.capacity;
  state.current = SpanContext{};
  state.epoch = epoch;
  try {  // the OS name may have been set since the thread registered
    std::lock_guard<std::mutex> lock(buffer.name_mutex);
    if (!buffer.custom_name) buffer.name = os_thread_name();
    store_name(*buffer.header, buffer.name);
  } catch (...) {
  }
  buffer.header->head.store(0, std::memory_order_relaxed);
  buffer.header->dropped.store(0, std::memory_order_relaxed);
  buffer.header->epoch.store(epoch, std::memory_order_release);
}

std::uint32_t activate(const SpanContext& root) noexcept {
  g_root_trace_hi.store(root.trace_id.hi, std::memory_order_relaxed);
  g_root_trace_lo.store(root.trace_id.lo, std::memory_order_relaxed);
  g_root_span.store(root.span_id, std::memory_order_relaxed);
  const std::uint32_t epoch = g_epoch.fetch_add(1, std::memory_order_acq_rel) + 1;
  provoke_test_begin();
  g_capture_active.store(true, std::memory_order_release);
  return epoch;
}

void deactivate() noexcept {
  g_capture_active.store(false, std::memory_order_release);
  provoke_test_end();
}

void for_each_buffer(const std::function<void(const BufferView&)>& visit) {
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  const std::uint32_t epoch = g_epoch.load(std::memory_order_acquire);
  for (auto& buffer : reg.buffers) {
    const BufferHeader& header = *buffer->header;
    if (header.epoch.load(std::memory_order_acquire) != epoch) continue;
    const std::size_t size = header.head.load(std::memory_order_acquire);
    std::string name;
    {
      std::lock_guard<std::mutex> name_lock(buffer->name_mutex);
      name = buffer->name;
    }
    visit(BufferView{buffer->data, size, header.dropped.load(std::memory_order_relaxed), buffer->os_tid,
                     buffer->thread_index, std::move(name)});
  }
}

ControlHeader* control_block() noexcept {
  Registry& reg = registry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  return map_control_block(reg);
}

std::uint32_t touch_thread() noexcept {
  ThreadState* state = thread_state();
  return state != nullptr ? state->buffer->thread_index : 0;
}

std::uint64_t threads_without_buffer() noexcept {
  return g_threads_without_buffer.load(std::memory_order_relaxed);
}

std::uint64_t new_span_id() noexcept {
  if (ThreadState* state = thread_state()) return next_random(*state);
  static std::atomic<std::uint64_t> fallback{seed_from_os() | 1U};
  return fallback.fetch_add(0x9E3779B97F4A7C15ULL, std::memory_order_relaxed) | 1U;
}

TraceId new_trace_id() noexcept {
  TraceId id;
  while (!id.valid()) {
    id.hi = new_span_id();
    id.lo = new_span_id();
  }
  return id;
}

void set_thread_name_impl(std::string_view name) noexcept {
  ThreadState* state = t_state != nullptr ? t_state : register_thread();
  if (state == nullptr) return;
  try {
    std::lock_guard<std::mutex> lock(state->buffer->name_mutex);
    state->buffer->name.assign(name.substr(0, 31));
    state->buffer->custom_name = true;
    store_name(*state->header, state->buffer->name);
  } catch (...) {
  }
}

}  // namespace testscope::detail
