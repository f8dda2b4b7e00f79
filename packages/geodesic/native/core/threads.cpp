// The second thread of the exact solver: std::thread natively, a worker's instance of the module
// in the threaded WebAssembly build (see threads.hpp).
#include "threads.hpp"

#include <algorithm>

#if GEODESIC_STD_THREADS
#include <system_error>
#endif

namespace geodesic::detail {

#if GEODESIC_THREADS
bool CounterWaiter::wait_until(const std::atomic<int64_t>& counter, int64_t value, const std::atomic<int32_t>& stop) {
  for (int spins = 0; counter.load(std::memory_order_acquire) < value; ++spins) {
    if (stop.load(std::memory_order_relaxed) != 0) return false;
    if (spins < 256) continue;
#if GEODESIC_STD_THREADS
    std::this_thread::yield();
#else
    // Sleep on the low word (little-endian); a store in between changes it, so no wake-up is
    // lost. The 1 ms limit only matters if the partner died (then `stop` ends the wait).
    sleepers_.fetch_add(1);
    const int64_t seen = counter.load();
    if (seen < value) {
      wasm_wait(reinterpret_cast<int32_t*>(const_cast<std::atomic<int64_t>*>(&counter)), static_cast<int32_t>(seen), 1000000);
    }
    sleepers_.fetch_sub(1);
#endif
  }
  return true;
}

void CounterWaiter::store(std::atomic<int64_t>& counter, int64_t value) {
#if GEODESIC_STD_THREADS
  counter.store(value, std::memory_order_release);
#else
  counter.store(value);
  if (sleepers_.load() != 0) __builtin_wasm_memory_atomic_notify(reinterpret_cast<int32_t*>(&counter), ~0u);
#endif
}

int split_threads(const Params& p, int requested) {
  if (requested > 0) return p.depth >= 4 ? std::min(requested, 2) : 1;
  const bool large = p.depth >= std::max<int64_t>(p.split_min_depth, 4) &&
                     p.depth * p.height * p.width >= p.split_min_voxels;
  return large && helper_available() ? 2 : 1;
}
#endif

#if GEODESIC_STD_THREADS
bool helper_available() { return std::thread::hardware_concurrency() >= 2; }

HelperThread::~HelperThread() { join(); }

bool HelperThread::start(void (*task)(void*), void* arg, std::atomic<int32_t>*) {
  try {
    thread_ = std::thread(task, arg);
  } catch (const std::system_error&) {
    return false;
  }
  started_ = true;
  return true;
}

bool HelperThread::join() {
  if (started_) thread_.join();
  started_ = false;
  return true;  // a native task reports its own exceptions
}
#elif defined(GEODESIC_WASM_THREADS)
namespace {

// Hand-over states. The JS side of the helper reads and writes `state` and `stop` by address
// (src/wasm-threads.ts mirrors these values): if the helper instance traps, it stores kDead and
// sets *stop, so the caller's side of the work ends instead of waiting forever.
enum : int32_t { kNone = 0, kIdle = 1, kPosted = 2, kRunning = 3, kDone = 4, kDead = 5 };

struct Slot {
  std::atomic<int32_t> state{kNone};     // byte offset 0
  std::atomic<int32_t>* stop = nullptr;  // byte offset 4
  void (*task)(void*) = nullptr;
  void* arg = nullptr;
  std::atomic<int32_t> tasks_done{0};    // byte offset 16: read by tests (the helper did work)
};

Slot slot;
std::atomic<int32_t> trap_next_task{0};

int32_t* state_word() { return reinterpret_cast<int32_t*>(&slot.state); }
void wake_all() { __builtin_wasm_memory_atomic_notify(state_word(), ~0u); }
void wait_while(int32_t seen, int64_t nanos) { wasm_wait(state_word(), seen, nanos); }

}  // namespace

void wasm_wait(int32_t* word, int32_t expected, int64_t nanos) {
  __builtin_wasm_memory_atomic_wait32(word, expected, nanos);
}

bool helper_available() { return slot.state.load() == kIdle; }

HelperThread::~HelperThread() { join(); }

bool HelperThread::start(void (*task)(void*), void* arg, std::atomic<int32_t>* stop) {
  if (slot.state.load() != kIdle) return false;
  slot.task = task;
  slot.arg = arg;
  slot.stop = stop;
  slot.state.store(kPosted);
  wake_all();
  // The helper sleeps in memory.atomic.wait, so it answers within microseconds; one that has
  // not taken the task after a second is given up for good (never wait on a dead worker).
  for (int i = 0; i < 1000 && slot.state.load() == kPosted; ++i) wait_while(kPosted, 1000000);
  int32_t posted = kPosted;
  if (slot.state.compare_exchange_strong(posted, kDead)) return false;
  if (slot.state.load() == kDead) return false;
  started_ = true;
  return true;
}

bool HelperThread::join() {
  if (!started_) return true;
  started_ = false;
  for (;;) {
    const int32_t s = slot.state.load();
    if (s == kDone) {
      slot.state.store(kIdle);
      wake_all();
      return true;
    }
    if (s == kDead) return false;
    wait_while(s, 100000000);
  }
}

void helper_run() {
  slot.state.store(kIdle);
  wake_all();
  for (;;) {
    int32_t s = slot.state.load();
    if (s == kDead) return;
    if (s == kPosted && slot.state.compare_exchange_strong(s, kRunning)) {
      wake_all();  // the caller waits for the hand-over before starting its own share
      if (trap_next_task.exchange(0) != 0) {
        // Test hook: die mid-task, once the caller is busy with its own side of the work.
        static int32_t never = 0;
        wasm_wait(&never, 0, 20000000);
        __builtin_trap();
      }
      slot.task(slot.arg);
      slot.tasks_done.fetch_add(1);
      slot.state.store(kDone);
      wake_all();
      continue;
    }
    wait_while(s, -1);
  }
}

void* helper_slot() { return &slot; }

void trap_helper_on_next_task(bool trap) { trap_next_task.store(trap ? 1 : 0); }
#endif

}  // namespace geodesic::detail
