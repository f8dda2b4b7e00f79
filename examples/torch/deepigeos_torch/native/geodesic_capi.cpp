// Plain C ABI over @deepigeos/geodesic's C++ core for Python's ctypes (built by geodesic.py with
// the same floating-point flags as the package's own builds, so the maps are bit-identical).
#include <cstdint>

#include "geodesic.hpp"

extern "C" int32_t deepigeos_geodesic(const float* image, const uint8_t* seeds, float* out, int64_t depth,
                                      int64_t height, int64_t width, int64_t channels, double sd, double sh,
                                      double sw, double lambda, int32_t iterations, int32_t method) {
  geodesic::Params p;
  p.depth = depth;
  p.height = height;
  p.width = width;
  p.channels = channels;
  p.spacing[0] = sd;
  p.spacing[1] = sh;
  p.spacing[2] = sw;
  p.lambda = lambda;
  p.iterations = iterations;
  p.method = static_cast<geodesic::Method>(method);
  p.threads = 1;
  return static_cast<int32_t>(geodesic::compute(p, image, seeds, out));
}

extern "C" const char* deepigeos_geodesic_message(int32_t status) {
  return geodesic::status_message(static_cast<geodesic::Status>(status));
}
