// Benchmark study of the exact solvers on one input: Dijkstra alone, the bucket queue on one and
// two threads, label-correcting sweeps run to convergence, and k sweeps finished by Dijkstra from
// the voxels still changing, for several lambdas. Every variant is checked bit for bit against
// Dijkstra alone.
// Usage: exact-study <image.f32> <seeds.u8> D H W
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "../native/core/detail.hpp"
#include "../native/core/sweep.hpp"
#include "read_all.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: exact-study image.f32 seeds.u8 D H W\n");
    return 2;
  }
  geodesic::Params p;
  p.depth = std::atoi(argv[3]);
  p.height = std::atoi(argv[4]);
  p.width = std::atoi(argv[5]);
  const size_t n = static_cast<size_t>(p.depth * p.height * p.width);
  const std::vector<float> image = read_all<float>(argv[1], n);
  const std::vector<uint8_t> seeds = read_all<uint8_t>(argv[2], n);
  std::vector<float> init(n);
  for (size_t i = 0; i < n; ++i) init[i] = seeds[i] ? 0.0f : std::numeric_limits<float>::infinity();
  for (const double lambda : {1.0, 0.3, 0.0}) {
    p.lambda = lambda;
    std::vector<float> reference = init;
    auto t0 = std::chrono::steady_clock::now();
    geodesic::detail::exact_dijkstra(p, image.data(), reference.data());
    const double t_dijkstra = seconds_since(t0);
    std::printf("lambda %.1f: Dijkstra alone %.3f s\n", lambda, t_dijkstra);
    for (const int threads : {1, 2}) {
      if (threads == 2 && p.depth == 1) continue;  // only 3D volumes are split
      std::vector<float> dist = init;
      geodesic::detail::BucketTuning tuning;
      tuning.threads = threads;
      t0 = std::chrono::steady_clock::now();
      geodesic::detail::exact_buckets(p, image.data(), dist.data(), tuning);
      const double t = seconds_since(t0);
      const bool same = std::memcmp(dist.data(), reference.data(), n * sizeof(float)) == 0;
      std::printf("  bucket queue, %d thread%s: %.3f s = %.2fx Dijkstra's speed; bit-identical: %s\n", threads,
                  threads > 1 ? "s" : "", t, t_dijkstra / t, same ? "yes" : "NO");
    }
    for (const int budget : {2, 8, 1000000}) {
      std::vector<float> dist = init;
      t0 = std::chrono::steady_clock::now();
      const auto outcome = geodesic::detail::exact_sweeps(p, image.data(), dist.data(), budget);
      const double t_sweeps = seconds_since(t0);
      if (!outcome.converged) {
        geodesic::detail::dijkstra_from(p, image.data(), dist.data(), outcome.frontier);
      }
      const double t_total = seconds_since(t0);
      const bool same = std::memcmp(dist.data(), reference.data(), n * sizeof(float)) == 0;
      std::printf(
          "  sweeps (budget %7d): %2d iterations, %6.2f full-pass equivalents, %.3f s%s; "
          "total %.3f s = %.2fx Dijkstra's speed; bit-identical: %s\n",
          budget, outcome.iterations, outcome.rows_scanned / (2.0 * p.depth * p.height), t_sweeps,
          outcome.converged ? " (converged)" : "", t_total, t_dijkstra / t_total, same ? "yes" : "NO");
    }
  }
  return 0;
}
