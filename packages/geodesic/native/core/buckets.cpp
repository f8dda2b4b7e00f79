// Exact geodesic distance for single-channel images: a label-correcting bucket queue.
//
// Voxels wait in buckets of width delta by tentative distance and are expanded bucket by bucket,
// in the order they were queued within a bucket. Every drop of a voxel's distance queues it (in
// the bucket of the new distance); an entry whose voxel was expanded since is skipped. The run ends when no
// voxel is queued, i.e. when no edge can lower any distance: that fixpoint is the minimum over
// paths of the left-to-right float sums of step costs, bit for bit what float32 Dijkstra
// computes (float addition is monotone), whatever delta is. delta only trades re-expansions
// (too wide) against empty buckets (too narrow); it is chosen from the image's step costs.
//
// Speed comes from memory access: the queue is a plain list per bucket, so the voxels about to
// be expanded are known and their neighbourhoods are prefetched; the volume is padded by one
// voxel so the 26 neighbours need no bounds checks; distance and intensity are interleaved, so
// a neighbour costs one cache line; and the sign bit of a voxel's distance marks it as queued.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "detail.hpp"
#include "vec4.hpp"

// Large 3D volumes may be split between two threads: natively, and in the threaded WebAssembly
// build (threads.hpp); the plain WebAssembly build runs single-threaded.
#include "threads.hpp"
#if GEODESIC_STD_THREADS
#include <exception>
#include <new>
#include <system_error>
#endif

namespace geodesic::detail {

namespace {

/** Bucket width: a fifth of the mean cost of a sample of steps between voxels adjacent in memory. */
float bucket_width(const Params& p, const float* image, int64_t voxels) {
  const float lambda = static_cast<float>(p.lambda);
  const float local_dist = static_cast<float>(std::fmin(std::fmin(p.spacing[0], p.spacing[1]), p.spacing[2]));
  const int64_t stride = voxels > 4097 ? (voxels - 1) / 4096 : 1;
  double sum = 0.0;
  int64_t n = 0;
  for (int64_t i = 0; i + 1 < voxels; i += stride, ++n) {
    sum += step_cost(std::fabs(image[i] - image[i + 1]), local_dist, lambda, 1.0f - lambda);
  }
  const double width = n > 0 ? 0.2 * sum / static_cast<double>(n) : 1.0;
  // Unusable widths (overflowed costs, or so small that 1 / width overflows) fall back to 1.
  return std::isfinite(width) && width > 1e-30 ? static_cast<float>(width) : 1.0f;
}

/**
 * Distances and intensities interleaved, with a one-voxel border (depth not padded for 2D) whose
 * distance is 0, so no candidate ever improves it and border voxels need no bounds checks.
 * Queued voxels carry a negative sign on their distance.
 */
class PaddedCells {
 public:
  PaddedCells(const Params& p, int64_t padded_voxels)
      : p_(p), pw_(p.width + 2), ph_(p.height + 2), pad_d_(p.depth > 1 ? 1 : 0),
        data_(static_cast<size_t>(2 * (padded_voxels + 2)), 0.0f) {}

  static int64_t padded_voxels(const Params& p) {
    return (p.depth > 1 ? p.depth + 2 : 1) * (p.height + 2) * (p.width + 2);
  }
  int64_t row_stride() const { return pw_; }
  int64_t plane_stride() const { return ph_ * pw_; }
  float* data() { return data_.data(); }

  /** Copies the image and the seed initialisation in; returns the (queued) seeds. */
  std::vector<uint32_t> load(const float* image, const float* dist) {
    std::vector<uint32_t> seeds;
    for_each_row([&](int64_t src, int64_t dst) {
      for (int64_t w = 0; w < p_.width; ++w) {
        const float d = dist[src + w];
        data_[2 * (dst + w)] = d == 0.0f ? -0.0f : d;
        data_[2 * (dst + w) + 1] = image[src + w];
        if (d == 0.0f) seeds.push_back(static_cast<uint32_t>(dst + w));
      }
    });
    return seeds;
  }

  void store(float* dist) const {
    for_each_row([&](int64_t src, int64_t dst) {
      for (int64_t w = 0; w < p_.width; ++w) dist[src + w] = data_[2 * (dst + w)];
    });
  }

 private:
  /** Calls f(first voxel of the row in the image, same in the padded volume) for every row. */
  template <typename F>
  void for_each_row(F f) const {
    for (int64_t d = 0; d < p_.depth; ++d) {
      for (int64_t h = 0; h < p_.height; ++h) {
        f((d * p_.height + h) * p_.width, ((d + pad_d_) * ph_ + h + 1) * pw_ + 1);
      }
    }
  }

  const Params& p_;
  int64_t pw_, ph_, pad_d_;
  std::vector<float> data_;
};

/**
 * Buckets [base + k * width, base + (k + 1) * width) for k < near, and one "far" list beyond;
 * when the near buckets run out, base moves to the smallest far distance and the far list is
 * redistributed.
 */
class BucketQueue {
 public:
  BucketQueue(float width, int64_t near_buckets)
      : near_(near_buckets), inverse_width_(1.0f / width), buckets_(static_cast<size_t>(near_buckets + 1)) {}

  int64_t bucket_of(float distance) const {
    const float r = (distance - base_) * inverse_width_;
    return r < static_cast<float>(near_) ? (r > 0.0f ? static_cast<int64_t>(r) : 0) : near_;
  }
  void push(int64_t bucket, uint32_t voxel) { buckets_[static_cast<size_t>(bucket)].push_back(voxel); }
  /**
   * Pushes into `bucket`, or into the current one if that has passed: a message from the other
   * region can lower a voxel below the current bucket, and so can the expansion of such a voxel.
   * Buckets are never revisited; the queue is label-correcting, so the late voxel is still exact.
   */
  void push_late(int64_t bucket, uint32_t voxel) {
    push(bucket < current_ ? current_ : bucket, voxel);
  }
  float width() const { return 1.0f / inverse_width_; }
  /** Lower end of the current bucket. */
  float lower_bound() const { return base_ + static_cast<float>(current_) * width(); }

  /** The next non-empty bucket (rebasing on the far list if needed), or nullptr when done. */
  std::vector<uint32_t>* next(const float* cells) {
    for (;;) {
      while (current_ < near_ && buckets_[static_cast<size_t>(current_)].empty()) ++current_;
      if (current_ < near_) return &buckets_[static_cast<size_t>(current_)];
      std::vector<uint32_t> far;
      far.swap(buckets_[static_cast<size_t>(near_)]);
      if (far.empty()) return nullptr;
      float smallest = INFINITY;
      for (const uint32_t v : far) {
        if (std::signbit(cells[2 * v])) smallest = std::fmin(smallest, -cells[2 * v]);
      }
      base_ = smallest;
      current_ = 0;
      for (const uint32_t v : far) {
        if (std::signbit(cells[2 * v])) push(bucket_of(-cells[2 * v]), v);
      }
    }
  }

  /** Empties the current bucket after it was expanded (releasing large buffers). */
  void finish(std::vector<uint32_t>* bucket) {
    bucket->clear();
    if (bucket->capacity() > 65536) std::vector<uint32_t>().swap(*bucket);
  }

 private:
  int64_t near_;
  float inverse_width_;
  float base_ = 0.0f;
  int64_t current_ = 0;
  std::vector<std::vector<uint32_t>> buckets_;
};

// Prefetching, every kBatch queue entries: the cells of the kBatch entries 2 * kAhead ahead and,
// for those still queued, the neighbourhoods of the kBatch entries kAhead ahead. WebAssembly's
// "prefetch" is a plain load that stalls until its data arrives, so there whole batches are
// issued together (the loads overlap; one stall per batch); native prefetches do not stall and
// do best one entry at a time (measured on the benchmark phantom: ~10 % either way).
#if defined(__wasm__)
constexpr size_t kBatch = 16, kAhead = 16;
#else
constexpr size_t kBatch = 1, kAhead = 8;
#endif

/**
 * Starts loading the cache line at `p`. WebAssembly has no prefetch instruction, so there a plain
 * load whose value is dropped does the job (volatile: the compiler must keep it).
 */
inline void prefetch(const float* p) {
#if defined(__wasm__)
  (void)*static_cast<const volatile float*>(p);
#else
  __builtin_prefetch(p);
#endif
}

#if GEODESIC_THREADS
// Test-only faults (see BucketFaults); without GEODESIC_FAULT_INJECTION these do nothing.
#if defined(GEODESIC_FAULT_INJECTION)
/** Whether the test forces the second thread's start to fail. */
bool inject_thread_start_failure(const BucketTuning& t) {
  return t.faults != nullptr && t.faults->fail_thread_start;
}
void inject_expansion_failure(const BucketTuning& t, int region, int64_t bucket) {
  if (t.faults != nullptr && t.faults->throwing_region == region && t.faults->throw_at_bucket == bucket) {
    throw std::bad_alloc();
  }
}
void note_stopped_by_partner(const BucketTuning& t) {
  if (t.faults != nullptr) ++t.faults->stopped_by_partner;
}
void note_threads_used(const BucketTuning& t, int threads) {
  if (t.faults != nullptr) t.faults->threads_used = threads;
}
#else
inline bool inject_thread_start_failure(const BucketTuning&) { return false; }
inline void inject_expansion_failure(const BucketTuning&, int, int64_t) {}
inline void note_stopped_by_partner(const BucketTuning&) {}
inline void note_threads_used(const BucketTuning&, int) {}
#endif
#endif

/** A voxel's new distance computed by the thread that does not own it. */
struct Message {
  uint32_t voxel;
  float distance;
};

/**
 * Where a region sends improvements of voxels it does not own, and where it receives its own.
 * With one region there is no mailbox: every neighbour is owned.
 */
class Mailbox {
 public:
  /** Publishes `out` to the receiving region's inbox (counted as outstanding work first). */
  void send(std::vector<Message>& out) {
#if GEODESIC_THREADS
    if (out.empty()) return;
    outstanding_->fetch_add(static_cast<int64_t>(out.size()));
    {
      Guard lock(mutex_);
      inbox_.insert(inbox_.end(), out.begin(), out.end());
      has_mail_.store(true, std::memory_order_release);
    }
    wake_.notify();
    out.clear();
#else
    (void)out;
#endif
  }
  bool has_mail() const { return has_mail_.load(std::memory_order_acquire); }
  /** Marks `count` taken messages as applied (they no longer count as outstanding work). */
  void consumed(size_t count) {
#if GEODESIC_THREADS
    outstanding_->fetch_sub(static_cast<int64_t>(count));
#else
    (void)count;
#endif
  }
  /** Moves the inbox into `into` (which is empty). */
  void take(std::vector<Message>& into) {
#if GEODESIC_THREADS
    Guard lock(mutex_);
    into.swap(inbox_);
    has_mail_.store(false, std::memory_order_release);
#else
    (void)into;
#endif
  }
#if GEODESIC_THREADS
  /** Sleeps until mail arrives or all work is done (with a timeout, so no wake-up is lost). */
  void wait() {
    wake_.wait_for(mutex_, 200, [&] { return has_mail() || outstanding_->load() == 0; });
  }
  void notify() { wake_.notify(); }
  /** Gives way briefly (this region is too far ahead of its partner) unless mail is waiting. */
  void pause() { wake_.pause(mutex_, [&] { return has_mail(); }); }
  std::atomic<int64_t>* outstanding_ = nullptr;  // busy regions + messages sent, not yet applied

 private:
  Mutex mutex_;
  Signal wake_;
  std::vector<Message> inbox_;
#endif
  std::atomic<bool> has_mail_{false};
};

/**
 * The label-correcting loop over the planes [first, last) of the padded volume. Voxels there are
 * written only by this region; a neighbour in another region gets a message instead (its
 * distance is never read here: only its intensity, which nobody writes).
 */
class Region {
 public:
  Region(const Params& p, float* cells, const std::vector<RowGroup>& groups, int64_t plane_stride,
         int64_t first, int64_t last, const BucketTuning& tuning, float width)
      : cells_(cells), groups_(groups), plane_stride_(plane_stride), first_(first), last_(last),
        tuning_(tuning), queue_(width, tuning.near_buckets), lambda_(static_cast<float>(p.lambda)),
        one_minus_lambda_(1.0f - lambda_), cost4_(lambda_) {}

  BucketQueue& queue() { return queue_; }
  Mailbox* mail_in = nullptr;   // messages for this region
  Mailbox* mail_out = nullptr;  // messages for the other region
  /** Lower end of the bucket being expanded (+inf when idle), read by the other region. */
  std::atomic<float> frontier{0.0f};
  const std::atomic<float>* other_frontier = nullptr;

  /** Runs until no voxel is queued here (one region: the whole exact solve). */
  void run_alone() {
    while (std::vector<uint32_t>* bucket = queue_.next(cells_)) expand_bucket(bucket);
  }

#if GEODESIC_THREADS
  /**
   * Runs with a partner region until neither has queued voxels nor unread messages. A region
   * does not run further than `kLead` buckets ahead of a busy partner: its distances could still
   * be lowered by the partner's, and every correction is work redone.
   */
  void run_with_partner(std::atomic<int64_t>& outstanding, const std::atomic<int32_t>& failed) {
    constexpr float kLead = 16.0f;
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) {  // the partner threw
        note_stopped_by_partner(tuning_);
        return;
      }
      apply_mail();
      std::vector<uint32_t>* bucket = queue_.next(cells_);
      if (bucket != nullptr) {
        const float lower = queue_.lower_bound();
        frontier.store(lower, std::memory_order_relaxed);
        if (lower > other_frontier->load(std::memory_order_relaxed) + kLead * queue_.width()) {
          mail_out->send(outbox_);
          mail_in->pause();
          continue;
        }
        inject_expansion_failure(tuning_, first_ == 0 ? 0 : 1, expanded_buckets_++);
        expand_bucket(bucket);
        mail_out->send(outbox_);  // promptly: late messages cost re-expansions over there
        continue;
      }
      mail_out->send(outbox_);
      if (mail_in->has_mail()) continue;
      frontier.store(INFINITY, std::memory_order_relaxed);
      // Idle: stop being counted; come back for mail, leave when nothing is outstanding.
      if (outstanding.fetch_sub(1) == 1) mail_out->notify();
      for (;;) {
        if (outstanding.load() == 0) return;
        if (failed.load(std::memory_order_relaxed)) {
          note_stopped_by_partner(tuning_);
          return;
        }
        if (mail_in->has_mail()) {
          outstanding.fetch_add(1);
          break;
        }
        mail_in->wait();
      }
    }
  }
#endif

 private:
  bool on_border(std::ptrdiff_t voxel) const {
    const int64_t plane = voxel / plane_stride_;
    return plane == first_ || plane == last_ - 1;
  }
    bool owns(std::ptrdiff_t voxel) const {
    const int64_t plane = voxel / plane_stride_;
    return plane >= first_ && plane < last_;
  }

  /** Lowers owned voxels to the distances other regions sent and queues them. */
  void apply_mail() {
    if (mail_in == nullptr || !mail_in->has_mail()) return;
    mail_in->take(received_);
    for (const Message& m : received_) {
      const float old = cells_[2 * m.voxel];
      if (!(m.distance < std::fabs(old))) continue;
      cells_[2 * m.voxel] = -m.distance;
      queue_.push_late(queue_.bucket_of(m.distance), m.voxel);
    }
    mail_in->consumed(received_.size());
    received_.clear();
  }

  void prefetch_neighbourhood(std::ptrdiff_t u) const {
    for (const RowGroup& g : groups_) {
      prefetch(cells_ + 2 * (u + g.offset));  // the group's 32 bytes may span two lines
      prefetch(cells_ + 2 * (u + g.offset) + 7);
    }
  }

  void expand_bucket(std::vector<uint32_t>* bucket) {
    // The bucket grows while it is expanded (steps cheaper than the width land in it again).
    for (size_t i = 0; i < bucket->size(); ++i) {
      const uint32_t* entries = bucket->data();
      if (i % kBatch == 0) {
        const size_t n = bucket->size();
        for (size_t j = i + 2 * kAhead; j < i + 2 * kAhead + kBatch && j < n; ++j) {
          prefetch(cells_ + 2 * entries[j]);
        }
        for (size_t j = i + kAhead; j < i + kAhead + kBatch && j < n; ++j) {
          if (std::signbit(cells_[2 * entries[j]])) prefetch_neighbourhood(entries[j]);
        }
      }
      const std::ptrdiff_t u = entries[i];
      const float marked = cells_[2 * u];
      if (!std::signbit(marked)) continue;  // expanded since this entry was queued
      const float du = -marked;
      cells_[2 * u] = du;
      if (mail_out != nullptr && on_border(u)) {
        expand_on_border(u, du);
      } else {
        expand(u, du, 0, groups_.size());
      }
    }
    queue_.finish(bucket);
  }

  /** Relaxes the neighbours in groups [begin, end) of u (all owned by this region). */
  void expand(std::ptrdiff_t u, float du, size_t begin, size_t end) {
    const v4f du4 = splat4(du), iu4 = splat4(cells_[2 * u + 1]);
    // All groups first, then the few improvements: the vector work has no branches.
    v4f candidates[9];
    uint64_t improved = 0;
    for (size_t gi = begin; gi < end; ++gi) {
      const RowGroup& g = groups_[gi];
      v4f qdist;
      const v4f cand = group_candidates(cells_ + 2 * (u + g.offset), g, du4, iu4, cost4_, &qdist);
      candidates[gi] = cand;
      const v4i better = (cand < abs4(qdist)) & g.valid;
      improved |= static_cast<uint64_t>(lane_mask(better)) << (4 * gi);
    }
    while (improved != 0) {
      const int bit = __builtin_ctzll(improved);
      improved &= improved - 1;
      const std::ptrdiff_t q = u + groups_[static_cast<size_t>(bit >> 2)].offset + (bit & 3);
      const float cand = candidates[bit >> 2][bit & 3];
      cells_[2 * q] = -cand;
      // Queued again even if an entry for q is pending (an extra test per push costs more than
      // skipping the duplicate entry later). u itself may sit below the current bucket if a
      // message lowered it: see push_late.
      queue_.push_late(queue_.bucket_of(cand), static_cast<uint32_t>(q));
    }
  }

  /**
   * u lies in the first or last plane of the region: the three groups in the neighbouring plane
   * may belong to the other region; their candidates go out as messages (scalar, reading only
   * intensities there). Groups are ordered by plane offset -1, 0, +1.
   */
  void expand_on_border(std::ptrdiff_t u, float du) {
    const int64_t plane = u / plane_stride_;
    const bool low_foreign = plane == first_ && !owns(u - plane_stride_);
    const bool high_foreign = plane == last_ - 1 && !owns(u + plane_stride_);
    expand(u, du, low_foreign ? 3 : 0, high_foreign ? 6 : groups_.size());
    const float iu = cells_[2 * u + 1];
    for (size_t gi : {size_t{0}, size_t{1}, size_t{2}, size_t{6}, size_t{7}, size_t{8}}) {
      if (gi < 3 ? !low_foreign : !high_foreign) continue;
      const RowGroup& g = groups_[gi];
      for (int lane = 0; lane < 3; ++lane) {
        const std::ptrdiff_t q = u + g.offset + lane;
        const float cost = step_cost(std::fabs(cells_[2 * q + 1] - iu), g.local_dist[lane], lambda_,
                                     one_minus_lambda_);
        outbox_.push_back({static_cast<uint32_t>(q), du + cost});
      }
    }
  }

  float* cells_;
  const std::vector<RowGroup>& groups_;
  int64_t plane_stride_, first_, last_;
  // Used with a partner only (none in WebAssembly): fault injection counts expanded buckets.
  [[maybe_unused]] const BucketTuning& tuning_;
  [[maybe_unused]] int64_t expanded_buckets_ = 0;
  BucketQueue queue_;
  float lambda_, one_minus_lambda_;
  StepCost4 cost4_;
  std::vector<Message> outbox_, received_;
};

#if GEODESIC_THREADS
/** One slab's side of the two-thread solve (`run` is called on the helper and on the caller). */
struct SlabTask {
  SlabTask(Region* r, std::atomic<int64_t>* o, std::atomic<int32_t>* f) : region(r), outstanding(o), failed(f) {}
  Region* region;
  std::atomic<int64_t>* outstanding;
  std::atomic<int32_t>* failed;
#if GEODESIC_STD_THREADS
  std::exception_ptr error;
#endif

  /** Runs the region; an exception (out of memory) is kept and makes the partner stop. */
  static void run(void* self) {
    SlabTask& t = *static_cast<SlabTask*>(self);
#if GEODESIC_STD_THREADS
    try {
      t.region->run_with_partner(*t.outstanding, *t.failed);
    } catch (...) {
      t.error = std::current_exception();
      t.failed->store(1);
    }
#else
    // WebAssembly is built without exceptions: a failure traps the instance, and the JS side
    // of a trapped helper sets `failed` itself.
    t.region->run_with_partner(*t.outstanding, *t.failed);
#endif
  }
};

/**
 * Solves with two slabs of planes (padding planes included), each with its own queue and thread.
 * Returns false, having changed nothing, if the second thread cannot be started. An exception
 * in either thread (out of memory) stops both and is rethrown here after the join.
 */
bool run_two_slabs(const Params& p, PaddedCells& layout, const std::vector<RowGroup>& groups,
                   const std::vector<uint32_t>& seeds, const BucketTuning& tuning, float width) {
  const int64_t planes = p.depth + 2, middle = 1 + p.depth / 2, stride = layout.plane_stride();
  Region low(p, layout.data(), groups, stride, 0, middle, tuning, width);
  Region high(p, layout.data(), groups, stride, middle, planes, tuning, width);
  Mailbox to_low, to_high;
  std::atomic<int64_t> outstanding{2};
  std::atomic<int32_t> failed{0};
  to_low.outstanding_ = to_high.outstanding_ = &outstanding;
  low.mail_in = &to_low;
  low.mail_out = &to_high;
  high.mail_in = &to_high;
  high.mail_out = &to_low;
  low.other_frontier = &high.frontier;
  high.other_frontier = &low.frontier;
  for (const uint32_t s : seeds) (s / stride < middle ? low : high).queue().push(0, s);
  SlabTask low_task(&low, &outstanding, &failed), high_task(&high, &outstanding, &failed);
  HelperThread helper;
  if (inject_thread_start_failure(tuning) || !helper.start(&SlabTask::run, &high_task, &failed)) return false;
  SlabTask::run(&low_task);
  const bool helper_finished = helper.join();
#if GEODESIC_STD_THREADS
  (void)helper_finished;  // native tasks report failures as exceptions
  if (low_task.error) std::rethrow_exception(low_task.error);
  if (high_task.error) std::rethrow_exception(high_task.error);
#else
  // The helper instance trapped mid-solve: the map is incomplete. Trap too; the JS side reports
  // the helper's failure.
  if (!helper_finished) __builtin_trap();
#endif
  return true;
}
#endif

}  // namespace

bool exact_buckets(const Params& p, const float* image, float* dist, const BucketTuning& tuning) {
  const int64_t voxels = p.depth * p.height * p.width;
  const int64_t padded = PaddedCells::padded_voxels(p);
  // Thin shapes would mostly be padding, and indices are 32-bit: leave those to Dijkstra.
  // (Indices are uint32 in the queue and pointer-sized in the loop: 32-bit in WASM.)
  const int64_t max_padded = std::min<int64_t>(int64_t{1} << 32, PTRDIFF_MAX / 2) - 16;
  if (p.channels != 1 || padded > 4 * voxels + 64 || padded > max_padded) return false;
  PaddedCells layout(p, padded);
  const std::vector<uint32_t> seeds = layout.load(image, dist);
  const std::vector<RowGroup> groups = row_groups(p, layout.row_stride(), layout.plane_stride());
  const float width = tuning.width > 0.0f ? tuning.width : bucket_width(p, image, voxels);
  const int64_t planes = p.depth > 1 ? p.depth + 2 : 1;
#if GEODESIC_THREADS
  const bool solved = split_threads(p, tuning.threads) == 2 && run_two_slabs(p, layout, groups, seeds, tuning, width);
  note_threads_used(tuning, solved ? 2 : 1);
#else
  const bool solved = false;
#endif
  if (!solved) {
    Region whole(p, layout.data(), groups, layout.plane_stride(), 0, planes, tuning, width);
    for (const uint32_t s : seeds) whole.queue().push(0, s);
    whole.run_alone();
  }
  layout.store(dist);
  return true;
}

}  // namespace geodesic::detail
