// Raster-scan geodesic distance (Toivanen): forward then backward pass per iteration.
//
// Same result as the textbook voxel-by-voxel scan, reorganised row by row for speed: in every
// neighbour list only one offset, (0,0,-1) forward / (0,0,+1) backward, lies in the current row.
// All other offsets read rows that the in-place scan has either finished or not yet touched in
// this pass, so their candidates can be taken for a whole row at once (vectorisable), followed by
// one serial sweep along the row for the in-row offset. min() is exact, so the order of the
// candidates does not change a single bit.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "raster.hpp"

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__EMSCRIPTEN__) && !defined(__clang__) && \
    !defined(GEODESIC_NO_CLONES)
#define GEODESIC_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GEODESIC_CLONES
#endif

namespace geodesic::detail {

namespace {

// GeodisTK 0.1.7's 3D forward list (d, h, w), in its order; backward is the negation.
constexpr int kGeodisTkForward[13][3] = {
    {-1, -1, -1}, {-1, -1, 0}, {-1, -1, 1}, {-1, 0, -1}, {-1, 0, 0}, {0, -1, -1}, {0, -1, 0},
    {0, -1, 1},   {0, 0, -1},  {1, -1, -1}, {1, -1, 0},  {1, -1, 1}, {1, 0, -1}};

/** Forward list: GeodisTK's, or the causal half (everything before the voxel in scan order). */
std::vector<Offset> forward_offsets(const double spacing[3], bool causal) {
  std::vector<Offset> list;
  if (causal) {
    for (int dd = -1; dd <= 1; ++dd) {
      for (int dh = -1; dh <= 1; ++dh) {
        for (int dw = -1; dw <= 1; ++dw) {
          const bool before = dd < 0 || (dd == 0 && (dh < 0 || (dh == 0 && dw < 0)));
          if (before) list.push_back({dd, dh, dw, local_distance(dd, dh, dw, spacing)});
        }
      }
    }
  } else {
    for (const auto& o : kGeodisTkForward) {
      list.push_back({o[0], o[1], o[2], local_distance(o[0], o[1], o[2], spacing)});
    }
  }
  return list;
}

/**
 * Candidates from one off-row neighbour row, single channel: D[w] = min(D[w], qD[w] + c).
 * |a - b| as fabs: bit-identical to a > b ? a - b : b - a (IEEE subtraction is sign-symmetric).
 */
GEODESIC_CLONES
void relax_from_row_single(float* __restrict dist, const float* __restrict qdist,
                           const float* __restrict img, const float* __restrict qimg, std::ptrdiff_t n,
                           float local_dist, float lambda, float one_minus_lambda) {
  for (std::ptrdiff_t w = 0; w < n; ++w) {
    const float diff = std::fabs(img[w] - qimg[w]);
    const float cand = qdist[w] + step_cost(diff, local_dist, lambda, one_minus_lambda);
    dist[w] = cand < dist[w] ? cand : dist[w];
  }
}

/** Same for interleaved multi-channel images (L2 difference). */
void relax_from_row_multi(float* __restrict dist, const float* __restrict qdist,
                          const float* __restrict img, const float* __restrict qimg, int64_t n,
                          int64_t channels, float local_dist, float lambda,
                          float one_minus_lambda) {
  for (int64_t w = 0; w < n; ++w) {
    const float diff = channel_difference(img + w * channels, qimg + w * channels, channels);
    const float cand = qdist[w] + step_cost(diff, local_dist, lambda, one_minus_lambda);
    dist[w] = cand < dist[w] ? cand : dist[w];
  }
}

/** Step costs between w and w+1 along one row: cost[w] for w in [0, n). */
GEODESIC_CLONES
void row_step_costs_single(float* __restrict cost, const float* __restrict img, std::ptrdiff_t n,
                           float local_dist, float lambda, float one_minus_lambda) {
  for (std::ptrdiff_t w = 0; w < n; ++w) {
    const float diff = std::fabs(img[w] - img[w + 1]);
    cost[w] = step_cost(diff, local_dist, lambda, one_minus_lambda);
  }
}

/** In-row relaxation from the left neighbour, left to right; cost[w] is the step w -> w+1. */
void sweep_right(float* row, const float* cost, int64_t W) {
  for (int64_t w = 1; w < W; ++w) {
    const float cand = row[w - 1] + cost[w - 1];
    if (cand < row[w]) row[w] = cand;
  }
}

/** In-row relaxation from the right neighbour, right to left. */
void sweep_left(float* row, const float* cost, int64_t W) {
  for (int64_t w = W - 2; w >= 0; --w) {
    const float cand = row[w + 1] + cost[w];
    if (cand < row[w]) row[w] = cand;
  }
}

}  // namespace

/** One row of one pass; sign = +1 uses the forward list, -1 its negation. */
void RowScanner::scan_row(int64_t d, int64_t h, int sign) {
  const int64_t W = p_.width;
  const int64_t C = p_.channels;
  float* row = dist_ + row_start(d, h);
  const float* img = image_ + row_start(d, h) * C;
  for (const Offset& o : forward_) {
    const int dd = sign * o.dd, dh = sign * o.dh, dw = sign * o.dw;
    if (dd == 0 && dh == 0) continue;  // the in-row offset is swept below
    const int64_t nd = d + dd, nh = h + dh;
    if (nd < 0 || nd >= p_.depth || nh < 0 || nh >= p_.height) continue;
    const int64_t w0 = std::max<int64_t>(0, -dw);
    const int64_t w1 = std::min<int64_t>(W, W - dw);
    if (w1 <= w0) continue;
    const int64_t q = row_start(nd, nh) + w0 + dw;
    if (C == 1) {
      relax_from_row_single(row + w0, dist_ + q, img + w0, image_ + q, w1 - w0, o.local_dist,
                            lambda_, one_minus_lambda_);
    } else {
      relax_from_row_multi(row + w0, dist_ + q, img + w0 * C, image_ + q * C, w1 - w0, C,
                           o.local_dist, lambda_, one_minus_lambda_);
    }
  }
  if (W < 2) return;
  float* cost = step_cost_.data();
  if (C == 1) {
    row_step_costs_single(cost, img, W - 1, row_local_dist_, lambda_, one_minus_lambda_);
  } else {
    for (int64_t w = 0; w + 1 < W; ++w) {
      const float diff = channel_difference(img + w * C, img + (w + 1) * C, C);
      cost[w] = step_cost(diff, row_local_dist_, lambda_, one_minus_lambda_);
    }
  }
  // The scan direction first (the raster methods' semantics); the exact sweeps then also sweep
  // back, which makes the row exact given its neighbour rows.
  if (sign > 0 || in_row_both_ways_) sweep_right(row, cost, W);
  if (sign < 0 || in_row_both_ways_) sweep_left(row, cost, W);
  if (sign < 0 && in_row_both_ways_) sweep_right(row, cost, W);
}

RowScanner::RowScanner(const Params& p, const float* image, float* dist, bool causal,
                       bool in_row_both_ways)
    : p_(p), image_(image), dist_(dist), forward_(forward_offsets(p.spacing, causal)),
      in_row_both_ways_(in_row_both_ways),
      step_cost_(static_cast<size_t>(p.width)), row_before_(static_cast<size_t>(p.width)) {
  lambda_ = static_cast<float>(p.lambda);
  one_minus_lambda_ = 1.0f - lambda_;
  row_local_dist_ = local_distance(0, 0, 1, p.spacing);
}

bool RowScanner::scan_row_tracked(int64_t d, int64_t h, int sign) {
  const float* row = dist_ + row_start(d, h);
  std::copy(row, row + p_.width, row_before_.begin());
  scan_row(d, h, sign);
  return !std::equal(row, row + p_.width, row_before_.begin());
}

void RowScanner::iterate() {
  for (int64_t d = 0; d < p_.depth; ++d) {
    for (int64_t h = 0; h < p_.height; ++h) scan_row(d, h, +1);
  }
  for (int64_t d = p_.depth - 1; d >= 0; --d) {
    for (int64_t h = p_.height - 1; h >= 0; --h) scan_row(d, h, -1);
  }
}

void raster_scan(const Params& params, const float* image, float* dist, bool causal_masks) {
  RowScanner scanner(params, image, dist, causal_masks, /*in_row_both_ways=*/false);
  for (int32_t it = 0; it < params.iterations; ++it) scanner.iterate();
}

}  // namespace geodesic::detail
