// Raster-scan geodesic distance (Toivanen): forward then backward pass per iteration.
//
// Same result as the textbook voxel-by-voxel scan, reorganised row by row for speed: in every
// neighbour list only one offset, (0,0,-1) forward / (0,0,+1) backward, lies in the current row.
// All other offsets read rows that the in-place scan has either finished or not yet touched in
// this pass, so their candidates can be taken for a whole row at once (vectorisable), followed by
// one serial sweep along the row for the in-row offset. min() is exact, so the order of the
// candidates does not change a single bit.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <memory>
#include <vector>

#include "raster.hpp"
#include "threads.hpp"

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

#if GEODESIC_THREADS
namespace {

/**
 * The raster scan of a 3D volume on two threads, bit for bit the sequential scan: thread t
 * scans the slices of rank t, t + 2, ... in each pass's order, row by row. Row h of a slice
 * reads the previous slice's rows h - 1 .. h + 1 as this pass left them, and the previous
 * slice reads this slice's rows h - 1, h as the last pass left them (GeodisTK's lists reach
 * into the next slice). So row h may be scanned once the previous slice has finished row h + 1
 * and not before: a wavefront two rows behind. Passes are separated by a barrier.
 */
class Wavefront {
 public:
  Wavefront(const Params& p, const float* image, float* dist, bool causal)
      : p_(p), progress_(new std::atomic<int64_t>[static_cast<size_t>(p.depth)]),
        low_(p, image, dist, causal, false), high_(p, image, dist, causal, false) {
    for (int64_t d = 0; d < p.depth; ++d) progress_[d].store(0);
  }

  /** Thread t's share of every pass; false if stopped because the partner died. */
  bool run(int t) {
    RowScanner& scanner = t == 0 ? low_ : high_;
    const int64_t D = p_.depth, H = p_.height;
    int64_t pass = 0;
    for (int32_t it = 0; it < p_.iterations; ++it) {
      for (const int sign : {+1, -1}) {
        // progress_[d] counts rows done, cumulatively over passes: pass k ends at k * (H + 1) - 1.
        const int64_t base = pass * (H + 1);
        if (!waiter_.wait_until(passes_done_[1 - t], pass, stop)) return false;
        for (int64_t k = t; k < D; k += 2) {
          const int64_t d = sign > 0 ? k : D - 1 - k;
          const int64_t previous = d - sign;
          for (int64_t j = 0; j < H; ++j) {
            if (k > 0 && !waiter_.wait_until(progress_[previous], base + std::min(j + 2, H), stop)) return false;
            scanner.scan_row(d, sign > 0 ? j : H - 1 - j, sign);
            waiter_.store(progress_[d], base + j + 1);
          }
        }
        waiter_.store(passes_done_[t], ++pass);
      }
    }
    return true;
  }

  static void run_high(void* self) { static_cast<Wavefront*>(self)->run(1); }
  std::atomic<int32_t> stop{0};  // set if the helper dies (WebAssembly: its JS side)

 private:
  const Params& p_;
  std::unique_ptr<std::atomic<int64_t>[]> progress_;
  std::atomic<int64_t> passes_done_[2] = {{0}, {0}};
  CounterWaiter waiter_;
  RowScanner low_, high_;
};

/** Runs the two-thread scan; false, with nothing changed, if no second thread is available. */
bool raster_scan_two_threads(const Params& params, const float* image, float* dist, bool causal) {
  Wavefront wavefront(params, image, dist, causal);
  HelperThread helper;
  if (!helper.start(&Wavefront::run_high, &wavefront, &wavefront.stop)) return false;
  wavefront.run(0);
  // A helper instance that trapped mid-scan (WebAssembly) leaves the map incomplete: trap too,
  // the JS side reports it. Native helpers cannot fail here (nothing allocates).
  if (!helper.join()) __builtin_trap();
  return true;
}

}  // namespace
#endif

void raster_scan(const Params& params, const float* image, float* dist, bool causal_masks) {
#if GEODESIC_THREADS
  if (split_threads(params, params.threads) == 2 && raster_scan_two_threads(params, image, dist, causal_masks)) return;
#endif
  RowScanner scanner(params, image, dist, causal_masks, /*in_row_both_ways=*/false);
  for (int32_t it = 0; it < params.iterations; ++it) scanner.iterate();
}

}  // namespace geodesic::detail
