// Row-by-row raster scanner, shared by the 'raster' methods and the exact solver's warm start.
#pragma once

#include <cstdint>
#include <vector>

#include "detail.hpp"

namespace geodesic::detail {

/** Forward + backward raster passes over a distance map, updated in place. */
class RowScanner {
 public:
  /** causal = true: standard causal half-masks; false: GeodisTK 0.1.7's lists. */
  RowScanner(const Params& p, const float* image, float* dist, bool causal);

  /**
   * One iteration (forward then backward pass). If `changed_rows` (depth*height flags) is
   * given, marks the rows whose distances decreased and returns how many did.
   */
  int64_t iterate(uint8_t* changed_rows);

 private:
  int64_t row_start(int64_t d, int64_t h) const { return (d * p_.height + h) * p_.width; }
  void scan_row(int64_t d, int64_t h, int sign);

  const Params& p_;
  const float* image_;
  float* dist_;
  std::vector<Offset> forward_;
  std::vector<float> step_cost_;
  std::vector<float> row_before_;
  float lambda_ = 1.0f;
  float one_minus_lambda_ = 0.0f;
  float row_local_dist_ = 1.0f;
};

}  // namespace geodesic::detail
