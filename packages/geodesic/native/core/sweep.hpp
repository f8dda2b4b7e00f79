// Exact label-correcting sweeps (causal half-masks until nothing changes), used by 'exact'.
#pragma once

#include <cstdint>
#include <vector>

#include "detail.hpp"

namespace geodesic::detail {

/** Result of exact_sweeps. */
struct SweepOutcome {
  bool converged = false;  // true: `dist` is the exact distance map
  int32_t iterations = 0;  // forward + backward iterations run
  int64_t rows_scanned = 0;
  // When not converged: the voxels whose out-edges may still be violated (a Dijkstra started
  // from them, on the current distances, finishes the exact map).
  std::vector<uint32_t> frontier;
};

/**
 * Runs at most `max_iterations` sweep iterations on `dist` (seed initialisation or any map of
 * path lengths), rescanning only rows whose inputs changed.
 */
SweepOutcome exact_sweeps(const Params& params, const float* image, float* dist,
                          int32_t max_iterations);

/**
 * The 'exact' method: sweeps finished by Dijkstra for lambda = 0, Dijkstra otherwise. `dist`
 * holds the seed initialisation (0 / +inf) on entry.
 */
void exact_distance(const Params& params, const float* image, float* dist);

}  // namespace geodesic::detail
