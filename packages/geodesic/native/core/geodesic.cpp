// Validation, seed initialisation and dispatch to the solvers.
#include "geodesic.hpp"

#include <cmath>
#include <limits>

#include "detail.hpp"
#include "sweep.hpp"

namespace geodesic {

namespace {

bool positive_extent(int64_t n) { return n >= 1; }

}  // namespace

Status validate_params(const Params& p) {
  if (!positive_extent(p.depth) || !positive_extent(p.height) || !positive_extent(p.width)) {
    return Status::BadShape;
  }
  if (p.channels < 1 || p.channels > 4096) return Status::BadChannels;
  // Overflow-safe product: divide instead of multiply before comparing.
  if (p.depth > kMaxVoxels / p.height || p.depth * p.height > kMaxVoxels / p.width) {
    return Status::TooLarge;
  }
  const int64_t voxels = p.depth * p.height * p.width;
  if (voxels > std::numeric_limits<int64_t>::max() / p.channels ||
      voxels * p.channels > kMaxVoxels) {
    return Status::TooLarge;
  }
  for (double s : p.spacing) {
    if (!std::isfinite(s) || s <= 0.0) return Status::BadSpacing;
  }
  if (!(p.lambda >= 0.0 && p.lambda <= 1.0)) return Status::BadLambda;
  if (p.method != Method::Raster && p.method != Method::RasterCausal &&
      p.method != Method::Exact) {
    return Status::BadMethod;
  }
  if (p.method != Method::Exact && p.iterations < 1) return Status::BadIterations;
  return Status::Ok;
}

Status compute(const Params& p, const float* image, const uint8_t* seeds, float* out) {
  if (image == nullptr || seeds == nullptr || out == nullptr) return Status::NullPointer;
  const Status status = validate_params(p);
  if (status != Status::Ok) return status;
  const int64_t voxels = p.depth * p.height * p.width;
  const int64_t values = voxels * p.channels;
  for (int64_t i = 0; i < values; ++i) {
    if (!std::isfinite(image[i])) return Status::NonFiniteImage;
  }
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < voxels; ++i) out[i] = seeds[i] != 0 ? 0.0f : inf;
  if (p.method == Method::Exact) {
    detail::exact_distance(p, image, out);
  } else {
    detail::raster_scan(p, image, out, p.method == Method::RasterCausal);
  }
  return Status::Ok;
}

const char* status_message(Status status) {
  switch (status) {
    case Status::Ok:
      return "ok";
    case Status::NullPointer:
      return "image, seeds and output buffers must not be null";
    case Status::BadShape:
      return "shape: every extent must be an integer >= 1";
    case Status::BadChannels:
      return "channels: expected an integer in [1, 4096]";
    case Status::TooLarge:
      return "shape: voxel count times channels must be at most 2^31 - 1";
    case Status::BadSpacing:
      return "spacing: every value must be finite and > 0";
    case Status::BadLambda:
      return "lambda: expected a number in [0, 1]";
    case Status::BadIterations:
      return "iterations: expected an integer >= 1";
    case Status::BadMethod:
      return "method: expected raster, raster-causal or exact";
    case Status::NonFiniteImage:
      return "image: every value must be finite (found NaN or infinity)";
  }
  return "unknown status";
}

}  // namespace geodesic
