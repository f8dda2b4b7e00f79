// Plain C ABI for the WebAssembly build (no emscripten JS glue: the TS loader instantiates the
// module itself). Extents are passed as doubles so no 64-bit integers cross the JS boundary.
#include <emscripten/emscripten.h>

#include <cmath>
#include <cstdlib>

#include "../core/geodesic.hpp"

namespace {

bool to_extent(double x, int64_t* out) {
  if (!std::isfinite(x) || std::floor(x) != x || x < 0.0 || x > 9007199254740991.0) return false;
  *out = static_cast<int64_t>(x);
  return true;
}

// Smallest volume 'exact' splits between two threads (geodesic_set_split; threaded build only).
geodesic::Params split_defaults;

}  // namespace

extern "C" {

/** Allocates `bytes` bytes in the module's memory (0 on failure). */
EMSCRIPTEN_KEEPALIVE void* geodesic_alloc(double bytes) {
  if (!(bytes >= 0.0 && bytes <= 4294967295.0)) return nullptr;
  return std::malloc(static_cast<size_t>(bytes));
}

/** Releases memory from geodesic_alloc. */
EMSCRIPTEN_KEEPALIVE void geodesic_free(void* ptr) { std::free(ptr); }

/** Test hook: the smallest volume (voxels, planes) that 'exact' splits between two threads. */
EMSCRIPTEN_KEEPALIVE void geodesic_set_split(double voxels, double depth) {
  split_defaults.split_min_voxels = static_cast<int64_t>(voxels);
  split_defaults.split_min_depth = static_cast<int64_t>(depth);
}

/**
 * Runs geodesic::compute; returns a geodesic::Status code (0 = ok). threads: 0 automatic, 1 one
 * thread (the plain build always runs one).
 */
EMSCRIPTEN_KEEPALIVE int32_t geodesic_compute(const float* image, const uint8_t* seeds, float* out,
                                              double depth, double height, double width,
                                              double channels, double sd, double sh, double sw,
                                              double lambda, int32_t iterations, int32_t method,
                                              int32_t threads) {
  geodesic::Params p = split_defaults;
  if (!to_extent(depth, &p.depth) || !to_extent(height, &p.height) ||
      !to_extent(width, &p.width)) {
    return static_cast<int32_t>(geodesic::Status::BadShape);
  }
  if (!to_extent(channels, &p.channels)) return static_cast<int32_t>(geodesic::Status::BadChannels);
  p.spacing[0] = sd;
  p.spacing[1] = sh;
  p.spacing[2] = sw;
  p.lambda = lambda;
  p.iterations = iterations;
  p.method = static_cast<geodesic::Method>(method);
  p.threads = threads == 1 ? 1 : 0;
  return static_cast<int32_t>(geodesic::compute(p, image, seeds, out));
}

}  // extern "C"
