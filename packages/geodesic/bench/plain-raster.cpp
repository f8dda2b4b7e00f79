// Benchmark baseline: the straightforward voxel-by-voxel raster scan (GeodisTK semantics,
// single-threaded, g++ -O2). Usage: plain-raster <image.f32> <seeds.u8> <out.f32> D H W repeats
// Prints the best wall time in seconds.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../native/test/plain_raster.hpp"
#include "read_all.hpp"

int main(int argc, char** argv) {
  if (argc != 8) return 2;
  const int D = std::atoi(argv[4]), H = std::atoi(argv[5]), W = std::atoi(argv[6]);
  const int repeats = std::atoi(argv[7]);
  const size_t n = static_cast<size_t>(D) * H * W;
  const auto img = read_all<float>(argv[1], n);
  const auto seeds = read_all<uint8_t>(argv[2], n);
  std::vector<float> out(n);
  const double spacing[3] = {1, 1, 1};
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    plain::raster_scan(img.data(), seeds.data(), out.data(), D, H, W, spacing, 1.0f, 2);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = s < best ? s : best;
  }
  FILE* f = std::fopen(argv[3], "wb");
  std::fwrite(out.data(), sizeof(float), n, f);
  std::fclose(f);
  std::printf("%.6f\n", best);
  return 0;
}
