// Geodesic distance maps on 2D/3D images: the C++17 core shared by the Node addon and the WASM
// build. No Node or emscripten headers here: the bindings are thin wrappers around `compute`.
#pragma once

#include <cstddef>
#include <cstdint>

namespace geodesic {

/** Which algorithm computes the map. Numeric values are part of the binding ABI. */
enum class Method : int32_t {
  // Forward + backward raster scans with GeodisTK 0.1.7's neighbour lists (its 3D lists are not
  // the causal half of the 26-neighbourhood; reproduced on purpose for trained models).
  Raster = 0,
  // Same scans with the standard causal half-masks (exact for lambda = 0 after one iteration).
  RasterCausal = 1,
  // Exact shortest path on the 8/26-neighbour graph (Dijkstra with a monotone radix heap; for
  // lambda = 0, label-correcting sweeps finished by Dijkstra).
  Exact = 2,
};

/** Result codes; numeric values are part of the binding ABI. */
enum class Status : int32_t {
  Ok = 0,
  NullPointer = 1,
  BadShape = 2,
  BadChannels = 3,
  TooLarge = 4,
  BadSpacing = 5,
  BadLambda = 6,
  BadIterations = 7,
  BadMethod = 8,
  NonFiniteImage = 9,
};

/** Largest voxel count accepted (indices are 32-bit in the exact solver). */
constexpr int64_t kMaxVoxels = (int64_t{1} << 31) - 1;

/** Parameters of one distance computation. A 2D image is depth = 1. */
struct Params {
  int64_t depth = 1;
  int64_t height = 1;
  int64_t width = 1;
  int64_t channels = 1;
  double spacing[3] = {1.0, 1.0, 1.0};  // [sd, sh, sw] in mm
  double lambda = 1.0;
  int32_t iterations = 2;
  Method method = Method::Raster;
  // Threads for 'exact': 0 = automatic (2 for large 3D volumes when a second thread is free:
  // native builds, and the threaded WASM build with its helper running), 1, or 2.
  // Results do not depend on it. The plain WASM build always uses one.
  int32_t threads = 0;
  // Smallest 3D volume that threads = 0 splits (a tuning hook: tests lower it so that small
  // inputs take the two-thread path; depths below 4 are never split).
  int64_t split_min_voxels = int64_t{1} << 20;
  int64_t split_min_depth = 16;
};

/** Checks the parameters only (shape, spacing, lambda, iterations, method). */
Status validate_params(const Params& params);

/**
 * Validates everything (including that every image value is finite) and writes the distance map.
 * image: depth*height*width*channels floats, channels interleaved per voxel.
 * seeds: depth*height*width bytes, nonzero = seed. out: depth*height*width floats.
 * Voxels no seed reaches (only possible without seeds) are +infinity.
 */
Status compute(const Params& params, const float* image, const uint8_t* seeds, float* out);

/** English description of a status code, naming the offending argument. */
const char* status_message(Status status);

}  // namespace geodesic
