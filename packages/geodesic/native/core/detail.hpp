// Internal helpers shared by the raster and exact solvers (not part of the binding ABI).
#pragma once

#include <cmath>
#include <cstdint>
#if defined(GEODESIC_FAULT_INJECTION)
#include <atomic>
#endif
#include <vector>

#include "geodesic.hpp"

namespace geodesic::detail {

/** A neighbour offset with its metric length sqrt(sum of spacing^2 over moved axes). */
struct Offset {
  int dd;
  int dh;
  int dw;
  float local_dist;
};

/** Metric length of the step (dd, dh, dw) for spacing [sd, sh, sw]. */
inline float local_distance(int dd, int dh, int dw, const double spacing[3]) {
  const double sq = dd * dd * spacing[0] * spacing[0] + dh * dh * spacing[1] * spacing[1] +
                    dw * dw * spacing[2] * spacing[2];
  return static_cast<float>(std::sqrt(sq));
}

/**
 * Cost of one step, exactly GeodisTK's form: local_dist / ((1 - lambda) + lambda / (|dI| + 1e-5)).
 * Kept in this form (not simplified) so every solver and both backends round identically.
 */
inline float step_cost(float diff, float local_dist, float lambda, float one_minus_lambda) {
  const float speed = one_minus_lambda + lambda / (diff + 1e-5f);
  return local_dist / speed;
}

/** L2 norm of the difference of two interleaved channel vectors (summed in channel order). */
inline float channel_difference(const float* a, const float* b, int64_t channels) {
  if (channels == 1) return std::fabs(a[0] - b[0]);
  float sum = 0.0f;
  for (int64_t c = 0; c < channels; ++c) {
    const float d = a[c] - b[c];
    sum += d * d;
  }
  return std::sqrt(sum);
}

/** Raster-scan solver; `dist` holds the seed initialisation (0 / +inf) on entry. */
void raster_scan(const Params& params, const float* image, float* dist, bool causal_masks);

/** Exact Dijkstra solver; `dist` holds the seed initialisation (0 / +inf) on entry. */
void exact_dijkstra(const Params& params, const float* image, float* dist);

/**
 * Exact label-correcting bucket solver for single-channel images (any lambda); `dist` holds the
 * seed initialisation. Returns false, without touching `dist`, for inputs it does not handle
 * (several channels, shapes too thin or too large for its padded 32-bit-indexed layout).
 * The result is exact for every tuning (the unit tests force extreme ones); tuning sets speed.
 */
#if defined(GEODESIC_FAULT_INJECTION)
/**
 * Faults forced by the core's unit tests (compiled in only with GEODESIC_FAULT_INJECTION) so the
 * two-thread error paths run: a second thread that cannot start, a region that throws.
 */
struct BucketFaults {
  bool fail_thread_start = false;  // starting the second thread throws std::system_error
  int throwing_region = -1;        // 0 (low planes) or 1 (high): throws std::bad_alloc when it is
  int64_t throw_at_bucket = 0;     //   about to expand its bucket number throw_at_bucket (0-based)
  int threads_used = 0;                      // out: threads the solve ran on (1 or 2)
  std::atomic<int> stopped_by_partner{0};    // out: regions that stopped because the other threw
};
#endif

struct BucketTuning {
  float width = 0.0f;                      // bucket width; 0: chosen from the image's step costs
  int64_t near_buckets = int64_t{1} << 16;  // buckets kept before the "far" list (>= 1)
  int threads = 0;  // 1 or 2 (native builds); 0: 2 for large 3D volumes on >= 2 cores
#if defined(GEODESIC_FAULT_INJECTION)
  BucketFaults* faults = nullptr;
#endif
};
bool exact_buckets(const Params& params, const float* image, float* dist,
                   const BucketTuning& tuning = BucketTuning{});

/**
 * Dijkstra on a map of path lengths: pops `starts` (with their current distances) and what they
 * improve. Exact if every edge leaving a voxel outside `starts` already satisfies
 * dist[v] <= dist[q] + cost(q, v).
 */
void dijkstra_from(const Params& params, const float* image, float* dist,
                   const std::vector<uint32_t>& starts);

}  // namespace geodesic::detail
