// Row-by-row raster scanner, shared by the 'raster' methods and the exact solver's sweeps.
#pragma once

#include <cstdint>
#include <vector>

#include "detail.hpp"

namespace geodesic::detail {

/** Forward + backward raster passes over a distance map, updated in place. */
class RowScanner {
 public:
  /**
   * causal = true: standard causal half-masks; false: GeodisTK 0.1.7's lists.
   * in_row_both_ways: every row visit also sweeps against the scan direction along the row.
   */
  RowScanner(const Params& p, const float* image, float* dist, bool causal,
             bool in_row_both_ways);

  /** One iteration: a forward pass, then a backward pass, over every row. */
  void iterate();

  /**
   * Relaxes row (d, h) from its forward (sign = +1) or backward (sign = -1) neighbours, then
   * sweeps along the row; returns whether any distance in the row decreased.
   */
  bool scan_row_tracked(int64_t d, int64_t h, int sign);

  /** Relaxes row (d, h) as in a forward (sign = +1) or backward (-1) pass. */
  void scan_row(int64_t d, int64_t h, int sign);

 private:
  int64_t row_start(int64_t d, int64_t h) const { return (d * p_.height + h) * p_.width; }

  const Params& p_;
  const float* image_;
  float* dist_;
  std::vector<Offset> forward_;
  bool in_row_both_ways_;
  std::vector<float> step_cost_;
  std::vector<float> row_before_;
  float lambda_ = 1.0f;
  float one_minus_lambda_ = 0.0f;
  float row_local_dist_ = 1.0f;
};

}  // namespace geodesic::detail
