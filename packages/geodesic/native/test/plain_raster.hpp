// Straightforward voxel-by-voxel raster scan with GeodisTK 0.1.7's semantics (bounds check per
// neighbour, single channel). Serves as the baseline of the benchmark and as an independent
// reference for the core's row-vectorised scan in the unit tests. Not shipped.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace plain {

inline void raster_scan(const float* img, const uint8_t* seeds, float* dist, int D, int H, int W,
                        const double spacing[3], float lambda, int iterations) {
  static const int fwd[13][3] = {{-1, -1, -1}, {-1, -1, 0}, {-1, -1, 1}, {-1, 0, -1}, {-1, 0, 0},
                                 {0, -1, -1},  {0, -1, 0},  {0, -1, 1},  {0, 0, -1},  {1, -1, -1},
                                 {1, -1, 0},   {1, -1, 1},  {1, 0, -1}};
  float local[13];
  for (int i = 0; i < 13; ++i) {
    local[i] = static_cast<float>(std::sqrt(fwd[i][0] * fwd[i][0] * spacing[0] * spacing[0] +
                                            fwd[i][1] * fwd[i][1] * spacing[1] * spacing[1] +
                                            fwd[i][2] * fwd[i][2] * spacing[2] * spacing[2]));
  }
  const int64_t n = static_cast<int64_t>(D) * H * W;
  for (int64_t i = 0; i < n; ++i) dist[i] = seeds[i] ? 0.0f : std::numeric_limits<float>::infinity();
  auto at = [&](int d, int h, int w) { return (static_cast<int64_t>(d) * H + h) * W + w; };
  auto visit = [&](int d, int h, int w, int sign) {
    const int64_t p = at(d, h, w);
    float best = dist[p];
    for (int i = 0; i < 13; ++i) {
      const int nd = d + sign * fwd[i][0], nh = h + sign * fwd[i][1], nw = w + sign * fwd[i][2];
      if (nd < 0 || nd >= D || nh < 0 || nh >= H || nw < 0 || nw >= W) continue;
      const int64_t q = at(nd, nh, nw);
      const float speed = (1.0f - lambda) + lambda / (std::fabs(img[p] - img[q]) + 1e-5f);
      const float cand = dist[q] + local[i] / speed;
      if (cand < best) best = cand;
    }
    dist[p] = best;
  };
  for (int it = 0; it < iterations; ++it) {
    for (int d = 0; d < D; ++d)
      for (int h = 0; h < H; ++h)
        for (int w = 0; w < W; ++w) visit(d, h, w, +1);
    for (int d = D - 1; d >= 0; --d)
      for (int h = H - 1; h >= 0; --h)
        for (int w = W - 1; w >= 0; --w) visit(d, h, w, -1);
  }
}

}  // namespace plain
