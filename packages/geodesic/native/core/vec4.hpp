// Four-lane float vectors (GCC/Clang vector extensions: SSE on x86, SIMD128 in WebAssembly) and
// the "row of three neighbours" groups both exact solvers evaluate with them. Every lane does the
// scalar code's exact IEEE operations, so results stay bit-identical to scalar code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "detail.hpp"

#if defined(__SSE__)
#include <xmmintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace geodesic::detail {

using v4f = float __attribute__((vector_size(16)));
using v4i = int32_t __attribute__((vector_size(16)));

inline v4f load4(const float* p) {
  v4f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline v4f splat4(float x) { return v4f{x, x, x, x}; }

/** |v| by clearing the sign bits (vector casts reinterpret the bits). */
inline v4f abs4(v4f v) {
  const v4i mask = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
  return (v4f)((v4i)v & mask);
}

/** Bit l set when lane l of a comparison result is true. */
inline int lane_mask(v4i v) {
#if defined(__SSE__)
  return _mm_movemask_ps((__m128)v);
#elif defined(__wasm_simd128__)
  return wasm_i32x4_bitmask((v128_t)v);
#else
  return (v[0] & 1) | (v[1] & 2) | (v[2] & 4) | (v[3] & 8);
#endif
}

/** Splits interleaved pairs: even = lanes (0, 2, 4, 6), odd = lanes (1, 3, 5, 7) of a ++ b. */
inline void deinterleave(v4f a, v4f b, v4f* even, v4f* odd) {
#if defined(__clang__)
  *even = __builtin_shufflevector(a, b, 0, 2, 4, 6);
  *odd = __builtin_shufflevector(a, b, 1, 3, 5, 7);
#else
  *even = __builtin_shuffle(a, b, v4i{0, 2, 4, 6});
  *odd = __builtin_shuffle(a, b, v4i{1, 3, 5, 7});
#endif
}

/** Three neighbours in one row (w-1, w, w+1) of a voxel, evaluated as one vector. */
struct RowGroup {
  std::ptrdiff_t offset;  // linear offset of the (dd, dh, -1) neighbour (pointer-sized: 32-bit in WASM)
  v4f local_dist;  // step lengths for lanes w-1, w, w+1 (lane 3 unused)
  v4i valid;       // -1 for real neighbours (not the voxel itself, not lane 3)
};

/** Per-solve constants of the vectorised step cost. */
struct StepCost4 {
  explicit StepCost4(float lambda)
      : lambda(splat4(lambda)), one_minus_lambda(splat4(1.0f - lambda)), eps(splat4(1e-5f)) {}
  v4f lambda, one_minus_lambda, eps;
};

/**
 * Candidate distances du + cost(u, q) for the three neighbours of one row group, given the
 * group's first (distance, intensity) pair `row`; also returns the neighbours' distances.
 * step_cost's exact operations, lane by lane.
 */
inline v4f group_candidates(const float* row, const RowGroup& g, v4f du4, v4f iu4, const StepCost4& c,
                            v4f* qdist) {
  v4f qimage;
  deinterleave(load4(row), load4(row + 4), qdist, &qimage);
  const v4f speed = c.one_minus_lambda + c.lambda / (abs4(qimage - iu4) + c.eps);
  return du4 + g.local_dist / speed;
}

/**
 * The 3 (2D) or 9 (3D) row groups of the 8/26-neighbourhood, for a volume whose rows are
 * `row_stride` voxels apart and planes `plane_stride` apart (the image's, or a padded copy's).
 */
inline std::vector<RowGroup> row_groups(const Params& p, int64_t row_stride, int64_t plane_stride) {
  std::vector<RowGroup> groups;
  const int dmax = p.depth > 1 ? 1 : 0;
  for (int dd = -dmax; dd <= dmax; ++dd) {
    for (int dh = -1; dh <= 1; ++dh) {
      RowGroup g;
      g.offset = static_cast<std::ptrdiff_t>(dd * plane_stride + dh * row_stride - 1);
      for (int lane = 0; lane < 4; ++lane) {
        const int dw = lane - 1;
        g.local_dist[lane] = lane < 3 ? local_distance(dd, dh, dw, p.spacing) : 1.0f;
        g.valid[lane] = lane < 3 && !(dd == 0 && dh == 0 && dw == 0) ? -1 : 0;
      }
      groups.push_back(g);
    }
  }
  return groups;
}

}  // namespace geodesic::detail
