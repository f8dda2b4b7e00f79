// Benchmark: the core's 'raster' and 'raster-causal' scans as a plain C++ program, so the bench can
// time the same code built without the AVX2 clones (-DGEODESIC_NO_CLONES: 4-lane SSE2, the
// width WebAssembly SIMD has) next to the addon and the WASM build.
// Usage: core-raster <image.f32> <seeds.u8> D H W repeats. Prints "<method> <best seconds>" lines.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "../native/core/geodesic.hpp"
#include "read_all.hpp"

int main(int argc, char** argv) {
  if (argc != 7) return 2;
  geodesic::Params p;
  p.depth = std::atoi(argv[3]);
  p.height = std::atoi(argv[4]);
  p.width = std::atoi(argv[5]);
  const int repeats = std::atoi(argv[6]);
  p.threads = 1;  // the single-threaded scan (the two-thread wavefront is timed through the addon)
  const size_t n = static_cast<size_t>(p.depth * p.height * p.width);
  const auto img = read_all<float>(argv[1], n);
  const auto seeds = read_all<uint8_t>(argv[2], n);
  std::vector<float> out(n);
  const std::pair<const char*, geodesic::Method> methods[] = {{"raster", geodesic::Method::Raster},
                                                              {"raster-causal", geodesic::Method::RasterCausal}};
  for (const auto& [name, method] : methods) {
    p.method = method;
    double best = 1e30;
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      if (geodesic::compute(p, img.data(), seeds.data(), out.data()) != geodesic::Status::Ok) return 1;
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = s < best ? s : best;
    }
    std::printf("%s %.6f\n", name, best);
  }
  return 0;
}
