// A small pool of helper threads for the Node addon: one pool per Node environment (the main
// thread and each worker thread that loads the addon), owned by the environment's instance data
// and joined when the environment is torn down. A job is `parts` independent pieces of work,
// claimed in order from a shared counter by the calling thread and every helper, so a helper that
// another process keeps off its core only takes fewer parts; the caller never waits for a helper
// that has not started. Which thread runs a part never changes what the part computes.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace pnet {

class ThreadPool {
 public:
  /** Part `part` of the current job, run on thread `thread` (0 = the caller, 1 … helpers). */
  using Job = void (*)(void* context, int part, int thread);

  /** Starts up to `helpers` threads; fewer if the system refuses some (threads() tells). */
  explicit ThreadPool(int helpers) {
    workers_.reserve(static_cast<size_t>(helpers));
    for (int i = 0; i < helpers; ++i) {
      try {
        workers_.emplace_back([this, i] { serve(i + 1); });
      } catch (const std::system_error&) {
        break;  // e.g. a thread limit: run on the threads that started
      }
    }
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /** The calling thread plus the helpers that started. */
  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  /** Runs job(context, k, thread) for every k < parts on the caller and the helpers; returns when all are done. */
  void run(int parts, Job job, void* context) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
      context_ = context;
      parts_ = parts;
      next_.store(0, std::memory_order_relaxed);
      ++generation_;
    }
    wake_.notify_all();
    work(0);
    // Every part is claimed now; parts not run by the caller belong to helpers counted in active_.
    std::unique_lock<std::mutex> lock(mutex_);
    wait(idle_, lock, [this] { return active_ == 0; });
    job_ = nullptr;  // helpers waking later find no job
  }

 private:
  /**
   * Waits until `ready()`, in timed waits on the system clock (pthread_cond_timedwait): libstdc++
   * 12's untimed and steady-clock waits need GLIBCXX_3.4.30 / glibc 2.34, and the prebuilt addon
   * must load on glibc 2.28 with older C++ runtimes.
   */
  template <typename Ready>
  static void wait(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Ready ready) {
    while (!ready()) cv.wait_until(lock, std::chrono::system_clock::now() + std::chrono::seconds(1));
  }

  void work(int thread) {
    for (int k = next_.fetch_add(1, std::memory_order_relaxed); k < parts_; k = next_.fetch_add(1, std::memory_order_relaxed)) job_(context_, k, thread);
  }

  void serve(int thread) {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wait(wake_, lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (job_ == nullptr) continue;  // that job finished before this thread woke
      ++active_;
      lock.unlock();
      work(thread);
      lock.lock();
      if (--active_ == 0) idle_.notify_all();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  bool stop_ = false;
  uint64_t generation_ = 0;
  int active_ = 0;  // helpers inside the current job
  Job job_ = nullptr;
  void* context_ = nullptr;
  int parts_ = 0;
  std::atomic<int> next_{0};
};

}  // namespace pnet
