// The few threading primitives the exact solver's two-slab split needs, for both builds:
// - native: std::thread, std::mutex, std::condition_variable;
// - threaded WebAssembly (GEODESIC_WASM_THREADS, compiled with -matomics): the second thread is
//   a second instance of the module on the same shared memory, running in a worker started by
//   the JS loader and waiting in `helper_run` for a task; locks spin, waits use memory.atomic.wait.
// Plain WebAssembly builds have no second thread (GEODESIC_THREADS is 0 there).
#pragma once

#include <atomic>
#include <cstdint>

#include "geodesic.hpp"

#if defined(__EMSCRIPTEN__)
#if defined(GEODESIC_WASM_THREADS)
#define GEODESIC_THREADS 1
#else
#define GEODESIC_THREADS 0
#endif
#elif defined(GEODESIC_SINGLE_THREAD)
#define GEODESIC_THREADS 0
#else
#define GEODESIC_THREADS 1
#define GEODESIC_STD_THREADS 1
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#endif

namespace geodesic::detail {

#if GEODESIC_STD_THREADS
using Mutex = std::mutex;

/** Wakes a thread sleeping in wait_for (a condition variable). */
class Signal {
 public:
  /** Sleeps until `ready()` holds or `micros` pass (the timeout covers lost wake-ups). */
  template <typename Ready>
  void wait_for(Mutex& mutex, int64_t micros, Ready ready) {
    std::unique_lock<std::mutex> lock(mutex);
    wake_.wait_for(lock, std::chrono::microseconds(micros), ready);
  }
  void notify() { wake_.notify_one(); }
  /** Gives way briefly unless `ready()` (a spinning thread's pause): yields the core. */
  template <typename Ready>
  void pause(Mutex&, Ready ready) {
    if (!ready()) std::this_thread::yield();
  }

 private:
  std::condition_variable wake_;
};
#elif GEODESIC_THREADS
/** A spin lock (the critical sections are a few vector operations). */
class Mutex {
 public:
  void lock() {
    while (locked_.exchange(1, std::memory_order_acquire) != 0) {
      while (locked_.load(std::memory_order_relaxed) != 0) {
      }
    }
  }
  void unlock() { locked_.store(0, std::memory_order_release); }

 private:
  std::atomic<int32_t> locked_{0};
};

/** memory.atomic.wait32: sleeps while *word == expected, up to `nanos` (< 0: no limit). */
void wasm_wait(int32_t* word, int32_t expected, int64_t nanos);

/** Sleeps with memory.atomic.wait on a counter that notify() bumps. */
class Signal {
 public:
  template <typename Ready>
  void wait_for(Mutex&, int64_t micros, Ready ready) {
    const int32_t seen = count_.load();
    if (ready()) return;
    wasm_wait(word(), seen, micros * 1000);
  }
  void notify() {
    count_.fetch_add(1);
    __builtin_wasm_memory_atomic_notify(word(), 1);
  }
  /** WebAssembly has no yield, and a timed wait lasts ~100 us in V8: polls a little instead. */
  template <typename Ready>
  void pause(Mutex&, Ready ready) {
    for (int i = 0; i < 64 && !ready(); ++i) {
    }
  }

 private:
  int32_t* word() { return reinterpret_cast<int32_t*>(&count_); }
  std::atomic<int32_t> count_{0};
};
#endif

#if GEODESIC_THREADS
/**
 * Lets threads wait for 64-bit progress counters that only grow by one per store (the raster
 * wavefront). Natively a waiter polls and yields. In WebAssembly (no yield) it polls briefly,
 * then sleeps on the counter's low word, which every store changes; writers wake sleepers.
 * (A plain timed sleep was tried first: V8 timed waits last ~100 us, and one inside the solver
 * loop was seen never to return; polling alone wastes the core when threads are oversubscribed.)
 */
class CounterWaiter {
 public:
  /** Waits until counter >= value; false as soon as `stop` is raised. */
  bool wait_until(const std::atomic<int64_t>& counter, int64_t value, const std::atomic<int32_t>& stop);
  /** Publishes `value` in `counter` and wakes its sleepers. */
  void store(std::atomic<int64_t>& counter, int64_t value);

 private:
  std::atomic<int32_t> sleepers_{0};
};

/** Holds a Mutex for a scope (std::lock_guard is missing from thread-less libc++ builds). */
class Guard {
 public:
  explicit Guard(Mutex& mutex) : mutex_(mutex) { mutex_.lock(); }
  ~Guard() { mutex_.unlock(); }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  Mutex& mutex_;
};

/** Whether a second thread can run a task now (native: at least two cores). */
bool helper_available();

/**
 * Threads for a 3D solve: `requested` (1 or 2; 2 only for >= 4 planes), or with 0 automatic —
 * 2 for volumes of at least Params::split_min_voxels and split_min_depth planes when a second
 * thread is available.
 */
int split_threads(const Params& p, int requested);

/**
 * Runs one task on the second thread while the caller works. `stop` is set to 1 if the helper
 * dies in the task (WebAssembly: the helper instance trapped; the JS side sets it), so the
 * caller's side of the work can end.
 */
class HelperThread {
 public:
  HelperThread() = default;
  HelperThread(const HelperThread&) = delete;
  HelperThread& operator=(const HelperThread&) = delete;
  ~HelperThread();
  /** Starts task(arg); false, with nothing started, if no second thread is available. */
  bool start(void (*task)(void*), void* arg, std::atomic<int32_t>* stop);
  /** Waits for the task to end; false if the helper died in it. */
  bool join();

 private:
  bool started_ = false;
#if GEODESIC_STD_THREADS
  std::thread thread_;
#endif
};
#endif

#if defined(GEODESIC_WASM_THREADS)
/**
 * The helper instance's entry (exported by the binding): marks the helper available and runs
 * posted tasks until the module is torn down. Runs forever in its worker.
 */
void helper_run();
/** Address of the hand-over word the JS side marks as failed if the helper traps (see .cpp). */
void* helper_slot();
/** Test hook: the helper traps 20 ms into its next task (exercises the failure path). */
void trap_helper_on_next_task(bool trap);
#endif

}  // namespace geodesic::detail
