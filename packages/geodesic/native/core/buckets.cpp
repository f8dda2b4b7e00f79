// Exact geodesic distance for single-channel images: a label-correcting bucket queue.
//
// Voxels wait in buckets of width delta by tentative distance and are expanded bucket by bucket,
// in the order they were queued within a bucket. A voxel whose distance drops while queued moves
// to its new bucket; one that drops after its expansion is queued again. The run ends when no
// voxel is queued, i.e. when no edge can lower any distance: that fixpoint is the minimum over
// paths of the left-to-right float sums of step costs, bit for bit what float32 Dijkstra
// computes (float addition is monotone), whatever delta is. delta only trades re-expansions
// (too wide) against empty buckets (too narrow); it is chosen from the image's step costs.
//
// Speed comes from memory access: the queue is a plain list per bucket, so the voxels about to
// be expanded are known and their neighbourhoods are prefetched; the volume is padded by one
// voxel so the 26 neighbours need no bounds checks; distance and intensity are interleaved, so
// a neighbour costs one cache line; and the sign bit of a voxel's distance marks it as queued.
#include <cmath>
#include <cstring>
#include <vector>

#include "detail.hpp"
#include "vec4.hpp"

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

// How many queue entries ahead the neighbourhood is prefetched (the voxel's own cell: twice that).
constexpr size_t kPrefetch = 8;

}  // namespace

bool exact_buckets(const Params& p, const float* image, float* dist, const BucketTuning& tuning) {
  const int64_t voxels = p.depth * p.height * p.width;
  const int64_t padded = PaddedCells::padded_voxels(p);
  // Thin shapes would mostly be padding, and indices are 32-bit: leave those to Dijkstra.
  if (p.channels != 1 || padded > 4 * voxels + 64 || padded > (int64_t{1} << 32) - 16) return false;
  PaddedCells layout(p, padded);
  const std::vector<uint32_t> seeds = layout.load(image, dist);
  const std::vector<RowGroup> groups = row_groups(p, layout.row_stride(), layout.plane_stride());
  const size_t group_count = groups.size();
  const float width = tuning.width > 0.0f ? tuning.width : bucket_width(p, image, voxels);
  BucketQueue queue(width, tuning.near_buckets);
  for (const uint32_t s : seeds) queue.push(0, s);
  float* cells = layout.data();
  const float lambda = static_cast<float>(p.lambda);
  const v4f lambda4 = splat4(lambda), one_minus_lambda4 = splat4(1.0f - lambda), eps4 = splat4(1e-5f);
  auto prefetch_neighbourhood = [&](int64_t u) {
    for (const RowGroup& g : groups) {
      __builtin_prefetch(cells + 2 * (u + g.offset));
      __builtin_prefetch(cells + 2 * (u + g.offset) + 7);
    }
  };
  while (std::vector<uint32_t>* bucket = queue.next(cells)) {
    // The bucket grows while it is expanded (steps cheaper than the width land in it again).
    for (size_t i = 0; i < bucket->size(); ++i) {
      const uint32_t* entries = bucket->data();
      if (i + 2 * kPrefetch < bucket->size()) __builtin_prefetch(cells + 2 * entries[i + 2 * kPrefetch]);
      if (i + kPrefetch < bucket->size() && std::signbit(cells[2 * entries[i + kPrefetch]])) {
        prefetch_neighbourhood(entries[i + kPrefetch]);
      }
      const int64_t u = entries[i];
      const float marked = cells[2 * u];
      if (!std::signbit(marked)) continue;  // expanded since this entry was queued
      const float du = -marked;
      cells[2 * u] = du;
      const v4f du4 = splat4(du), iu4 = splat4(cells[2 * u + 1]);
      // All groups first, then the few improvements: the vector work has no branches.
      v4f candidates[9];
      uint64_t improved = 0;
      for (size_t gi = 0; gi < group_count; ++gi) {
        const RowGroup& g = groups[gi];
        const float* row = cells + 2 * (u + g.offset);
        v4f qdist, qimage;
        deinterleave(load4(row), load4(row + 4), &qdist, &qimage);
        const v4f speed = one_minus_lambda4 + lambda4 / (abs4(qimage - iu4) + eps4);
        const v4f cand = du4 + g.local_dist / speed;
        candidates[gi] = cand;
        const v4i better = (cand < abs4(qdist)) & g.valid;
        improved |= static_cast<uint64_t>(lane_mask(better)) << (4 * gi);
      }
      while (improved != 0) {
        const int bit = __builtin_ctzll(improved);
        improved &= improved - 1;
        const int64_t q = u + groups[static_cast<size_t>(bit >> 2)].offset + (bit & 3);
        const float old = cells[2 * q];
        const float cand = candidates[bit >> 2][bit & 3];
        cells[2 * q] = -cand;
        const int64_t b = queue.bucket_of(cand);
        // Still queued in the same bucket: that entry will expand it at its new distance.
        if (std::signbit(old) && queue.bucket_of(-old) == b) continue;
        queue.push(b, static_cast<uint32_t>(q));
      }
    }
    queue.finish(bucket);
  }
  layout.store(dist);
  return true;
}

}  // namespace geodesic::detail
