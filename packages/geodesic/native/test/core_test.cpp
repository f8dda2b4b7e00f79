// Unit tests of the C++ core, built with -fsanitize=address,undefined by the package's test run.
// References: a plain voxel-by-voxel raster scan and a textbook binary-heap Dijkstra.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <new>
#include <queue>
#include <random>
#include <thread>
#include <vector>

// Built by scripts/asan-test.sh with GEODESIC_FAULT_INJECTION, which lets tests force thread faults.
#if !defined(GEODESIC_FAULT_INJECTION)
#error "build with -DGEODESIC_FAULT_INJECTION (scripts/asan-test.sh)"
#endif

#include "../core/detail.hpp"
#include "../core/geodesic.hpp"
#include "../core/sweep.hpp"
#include "plain_raster.hpp"

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::printf("FAIL: %s\n", what);
    ++failures;
  }
}

std::vector<float> dijkstra_reference(const std::vector<float>& img, const std::vector<uint8_t>& seeds,
                                      int D, int H, int W, const double sp[3], float lambda) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> dist(img.size(), inf);
  using Entry = std::pair<float, int>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> pq;
  for (size_t i = 0; i < seeds.size(); ++i) {
    if (seeds[i]) {
      dist[i] = 0.0f;
      pq.push({0.0f, static_cast<int>(i)});
    }
  }
  while (!pq.empty()) {
    const auto [du, u] = pq.top();
    pq.pop();
    if (du > dist[u]) continue;
    const int d = u / (H * W), h = (u / W) % H, w = u % W;
    for (int dd = -1; dd <= 1; ++dd)
      for (int dh = -1; dh <= 1; ++dh)
        for (int dw = -1; dw <= 1; ++dw) {
          const int nd = d + dd, nh = h + dh, nw = w + dw;
          if ((dd | dh | dw) == 0 || nd < 0 || nd >= D || nh < 0 || nh >= H || nw < 0 || nw >= W) continue;
          const int q = (nd * H + nh) * W + nw;
          const float ld = static_cast<float>(
              std::sqrt(dd * dd * sp[0] * sp[0] + dh * dh * sp[1] * sp[1] + dw * dw * sp[2] * sp[2]));
          const float speed = (1.0f - lambda) + lambda / (std::fabs(img[u] - img[q]) + 1e-5f);
          const float cand = du + ld / speed;
          if (cand < dist[q]) {
            dist[q] = cand;
            pq.push({cand, q});
          }
        }
  }
  return dist;
}

/**
 * The bucket solver under tunings far from the automatic one -- buckets much narrower than a
 * step with the far list rebased constantly, every voxel in one bucket, a single near bucket --
 * must still give the reference map bit for bit (it is exact for any tuning).
 */
void check_bucket_tunings(const geodesic::Params& p, const std::vector<float>& img,
                          const std::vector<uint8_t>& seeds, const std::vector<float>& ref,
                          const char* label) {
  // threads = 2 splits volumes of depth >= 4 into two slabs solved concurrently (native builds).
  const geodesic::detail::BucketTuning tunings[] = {{0.0f, 1 << 16, 1}, {1e-4f, 2, 1},   {1e6f, 1 << 16, 1},
                                                    {0.05f, 1, 1},     {0.0f, 1 << 16, 2}, {1e-4f, 2, 2},
                                                    {0.05f, 1, 2}};
  for (const auto& tuning : tunings) {
    std::vector<float> dist(img.size());
    for (size_t i = 0; i < dist.size(); ++i) dist[i] = seeds[i] ? 0.0f : std::numeric_limits<float>::infinity();
    if (!geodesic::detail::exact_buckets(p, img.data(), dist.data(), tuning)) {
      // Only thin shapes (mostly padding) are declined.
      check(p.depth * p.height * p.width * 4 + 64 < (p.depth > 1 ? p.depth + 2 : 1) * (p.height + 2) * (p.width + 2),
            "buckets decline only thin shapes");
      return;
    }
    for (size_t i = 0; i < dist.size(); ++i) {
      if (dist[i] != ref[i]) {
        std::printf("bucket mismatch at %zu: %g vs %g (%s, width %g, near %lld, threads %d)\n", i, dist[i],
                    ref[i], label, tuning.width, static_cast<long long>(tuning.near_buckets), tuning.threads);
        ++failures;
        break;
      }
    }
  }
}

struct Case {
  int D, H, W;
  double spacing[3];
  float lambda;
};

void run_case(const Case& c, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uni(0.0f, 100.0f);
  const int n = c.D * c.H * c.W;
  std::vector<float> img(n);
  for (float& v : img) v = uni(rng);
  std::vector<uint8_t> seeds(n, 0);
  seeds[rng() % n] = 1;
  seeds[rng() % n] = 1;
  geodesic::Params p;
  p.depth = c.D;
  p.height = c.H;
  p.width = c.W;
  for (int i = 0; i < 3; ++i) p.spacing[i] = c.spacing[i];
  p.lambda = c.lambda;
  p.iterations = 2;
  std::vector<float> out(n), ref(n);
  char label[160];
  std::snprintf(label, sizeof label, "%dx%dx%d lambda=%.2f", c.D, c.H, c.W, c.lambda);

  p.method = geodesic::Method::Raster;
  check(geodesic::compute(p, img.data(), seeds.data(), out.data()) == geodesic::Status::Ok, label);
  plain::raster_scan(img.data(), seeds.data(), ref.data(), c.D, c.H, c.W, c.spacing, c.lambda, 2);
  for (int i = 0; i < n; ++i) {
    if (out[i] != ref[i]) {
      std::printf("raster mismatch at %d: %g vs %g (%s)\n", i, out[i], ref[i], label);
      ++failures;
      break;
    }
  }

  // Two threads (a wavefront over alternate slices; volumes of >= 4 planes): the one-thread bits.
  for (auto method : {geodesic::Method::Raster, geodesic::Method::RasterCausal}) {
    for (const int32_t iterations : {1, 2, 3}) {
      std::vector<float> one(n);
      p.method = method;
      p.iterations = iterations;
      p.threads = 1;
      check(geodesic::compute(p, img.data(), seeds.data(), one.data()) == geodesic::Status::Ok, label);
      p.threads = 2;
      check(geodesic::compute(p, img.data(), seeds.data(), out.data()) == geodesic::Status::Ok, label);
      p.threads = 0;
      check(out == one, "two-thread raster scan equals the one-thread scan");
      if (method == geodesic::Method::Raster && iterations == 2) check(out == ref, "two-thread raster equals the plain scan");
    }
  }
  p.iterations = 2;

  p.method = geodesic::Method::Exact;
  check(geodesic::compute(p, img.data(), seeds.data(), out.data()) == geodesic::Status::Ok, label);
  ref = dijkstra_reference(img, seeds, c.D, c.H, c.W, c.spacing, c.lambda);
  for (int i = 0; i < n; ++i) {
    if (out[i] != ref[i]) {
      std::printf("exact mismatch at %d: %g vs %g (%s)\n", i, out[i], ref[i], label);
      ++failures;
      break;
    }
  }

  check_bucket_tunings(p, img, seeds, ref, label);

  // Raster scans converge to the exact map (bit for bit: same float sums, min is exact).
  for (auto method : {geodesic::Method::Raster, geodesic::Method::RasterCausal}) {
    p.method = method;
    p.iterations = 2 * (c.D + c.H + c.W);
    check(geodesic::compute(p, img.data(), seeds.data(), out.data()) == geodesic::Status::Ok, label);
    for (int i = 0; i < n; ++i) {
      if (out[i] != ref[i]) {
        std::printf("converged raster mismatch at %d: %g vs %g (%s)\n", i, out[i], ref[i], label);
        ++failures;
        break;
      }
    }
  }
}

/**
 * Adversarial inputs for the exact sweeps: bright walls with one gap, alternating sides (a
 * zigzag corridor in every plane), or a square spiral (2D). Shortest paths wind, so the sweeps
 * need many iterations; after every budget of k iterations, Dijkstra from the reported frontier
 * must complete the exact map, and unlimited sweeps must converge to it on their own.
 */
std::vector<float> maze_image(int D, int H, int W, bool spiral, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> noise(0.0f, 3.0f);
  std::vector<float> img(static_cast<size_t>(D) * H * W);
  for (int d = 0; d < D; ++d)
    for (int h = 0; h < H; ++h)
      for (int w = 0; w < W; ++w) {
        bool wall;
        if (spiral) {
          // Square rings at even Chebyshev radius, each opened at one alternating corner.
          const int r = std::max(std::abs(h - H / 2), std::abs(w - W / 2));
          const bool corner = (r / 2) % 2 == 0 ? (h == H / 2 - r && w == W / 2 - r)
                                                : (h == H / 2 + r && w == W / 2 + r);
          wall = r > 0 && r % 2 == 0 && !corner;
        } else {
          const bool gap = (h / 3) % 2 == 0 ? w == W - 1 : w == 0;
          wall = h % 3 == 2 && !gap;
        }
        img[(static_cast<size_t>(d) * H + h) * W + w] = (wall ? 1000.0f : 10.0f) + noise(rng);
      }
  return img;
}

void test_sweeps_on_mazes() {
  struct Maze {
    int D, H, W;
    bool spiral;
    double lambda;
  };
  const Maze mazes[] = {{1, 29, 23, false, 1.0}, {3, 20, 9, false, 0.5}, {1, 25, 25, true, 1.0},
                        {2, 17, 17, true, 0.5},  {1, 12, 31, false, 0.0}};
  unsigned seed = 100;
  for (const Maze& m : mazes) {
    const std::vector<float> img = maze_image(m.D, m.H, m.W, m.spiral, seed++);
    const int n = m.D * m.H * m.W;
    std::vector<uint8_t> seeds(n, 0);
    seeds[0] = 1;
    geodesic::Params p;
    p.depth = m.D;
    p.height = m.H;
    p.width = m.W;
    p.lambda = m.lambda;
    const std::vector<float> ref =
        dijkstra_reference(img, seeds, m.D, m.H, m.W, p.spacing, static_cast<float>(m.lambda));
    char label[160];
    for (int budget : {1, 2, 3, 5, 8, 1000000}) {
      std::snprintf(label, sizeof label, "maze %dx%dx%d spiral=%d lambda=%.1f budget %d", m.D, m.H,
                    m.W, m.spiral, m.lambda, budget);
      std::vector<float> dist(n, std::numeric_limits<float>::infinity());
      dist[0] = 0.0f;
      const geodesic::detail::SweepOutcome outcome =
          geodesic::detail::exact_sweeps(p, img.data(), dist.data(), budget);
      if (budget == 1000000) {
        check(outcome.converged, label);
        // The zigzag corridor really is adversarial: 38 iterations, where a raster scan does 2.
        if (!m.spiral && m.lambda == 1.0) check(outcome.iterations > 20, label);
      } else {
        if (!outcome.converged) {
          geodesic::detail::dijkstra_from(p, img.data(), dist.data(), outcome.frontier);
        }
      }
      for (int i = 0; i < n; ++i) {
        if (dist[i] != ref[i]) {
          std::printf("sweep mismatch at %d: %g vs %g (%s)\n", i, dist[i], ref[i], label);
          ++failures;
          break;
        }
      }
    }
    // The public 'exact' method on the same input.
    p.method = geodesic::Method::Exact;
    std::vector<float> out(n);
    check(geodesic::compute(p, img.data(), seeds.data(), out.data()) == geodesic::Status::Ok, "maze");
    check(out == ref, "maze: exact method equals the reference Dijkstra");
    check_bucket_tunings(p, img, seeds, ref, "maze");
  }
}

/**
 * Runs f, failing the whole test run if it has not returned within 60 s: a region that keeps
 * waiting for a partner that stopped would otherwise hang the tests.
 */
void within_deadline(const std::function<void()>& f, const char* what) {
  std::atomic<bool> done{false};
  std::thread watchdog([&] {
    for (int i = 0; i < 6000 && !done.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!done.load()) {
      std::printf("FAIL: %s did not return within 60 s\n", what);
      std::fflush(stdout);
      std::_Exit(1);
    }
  });
  f();
  done.store(true);
  watchdog.join();
}

/**
 * The two-thread bucket solve's error paths, forced through BucketFaults: if the second thread
 * cannot start, the solve runs on one thread and is still exact; if either region throws (at its
 * first bucket or mid-run), the other stops and the exception reaches the caller.
 */
void test_bucket_thread_faults() {
  const int D = 12, H = 20, W = 20, n = D * H * W;
  std::mt19937 rng(99);
  std::uniform_real_distribution<float> uni(0.0f, 100.0f);
  std::vector<float> img(n);
  for (float& v : img) v = uni(rng);
  std::vector<uint8_t> seeds(n, 0);
  seeds[(1 * H + 3) * W + 4] = 1;   // low slab
  seeds[(10 * H + 15) * W + 9] = 1;  // high slab
  geodesic::Params p;
  p.depth = D;
  p.height = H;
  p.width = W;
  p.lambda = 1.0f;
  const double sp[3] = {1, 1, 1};
  const std::vector<float> ref = dijkstra_reference(img, seeds, D, H, W, sp, 1.0f);
  auto seeded = [&] {
    std::vector<float> dist(n);
    for (int i = 0; i < n; ++i) dist[i] = seeds[i] ? 0.0f : std::numeric_limits<float>::infinity();
    return dist;
  };

  for (const bool fail_start : {false, true}) {
    geodesic::detail::BucketFaults faults;
    faults.fail_thread_start = fail_start;
    std::vector<float> dist = seeded();
    within_deadline([&] {
      check(geodesic::detail::exact_buckets(p, img.data(), dist.data(), {0.0f, 1 << 16, 2, &faults}),
            "bucket solve with faults runs");
    }, "bucket solve");
    check(faults.threads_used == (fail_start ? 1 : 2), fail_start ? "thread start failure falls back to one thread"
                                                                   : "two threads without faults");
    check(dist == ref, fail_start ? "one-thread fallback is exact" : "two-thread solve is exact");
    check(faults.stopped_by_partner.load() == 0, "no region stopped early without a throw");
  }

  for (const int region : {0, 1}) {
    for (const int64_t bucket : {int64_t{0}, int64_t{5}}) {
      geodesic::detail::BucketFaults faults;
      faults.throwing_region = region;
      faults.throw_at_bucket = bucket;
      std::vector<float> dist = seeded();
      bool thrown = false;
      within_deadline([&] {
        try {
          geodesic::detail::exact_buckets(p, img.data(), dist.data(), {0.0f, 1 << 16, 2, &faults});
        } catch (const std::bad_alloc&) {
          thrown = true;
        }
      }, "bucket solve with a throwing region");
      char what[96];
      std::snprintf(what, sizeof what, "region %d throwing at bucket %lld: exception reaches the caller", region,
                    static_cast<long long>(bucket));
      check(thrown, what);
      std::snprintf(what, sizeof what, "region %d throwing at bucket %lld: the partner stops", region,
                    static_cast<long long>(bucket));
      check(faults.stopped_by_partner.load() == 1, what);
    }
  }
}

void test_validation() {
  std::vector<float> img(8, 1.0f), out(8);
  std::vector<uint8_t> seeds(8, 0);
  geodesic::Params p;
  p.height = 2;
  p.width = 4;
  check(geodesic::compute(p, nullptr, seeds.data(), out.data()) == geodesic::Status::NullPointer, "null");
  p.width = 0;
  check(geodesic::validate_params(p) == geodesic::Status::BadShape, "shape 0");
  p.width = 4;
  p.depth = int64_t{1} << 40;
  p.height = int64_t{1} << 40;
  check(geodesic::validate_params(p) == geodesic::Status::TooLarge, "overflow");
  p.depth = 1;
  p.height = 2;
  p.spacing[1] = 0.0;
  check(geodesic::validate_params(p) == geodesic::Status::BadSpacing, "spacing 0");
  p.spacing[1] = std::nan("");
  check(geodesic::validate_params(p) == geodesic::Status::BadSpacing, "spacing nan");
  p.spacing[1] = 1.0;
  p.lambda = 1.5;
  check(geodesic::validate_params(p) == geodesic::Status::BadLambda, "lambda");
  p.lambda = std::nan("");
  check(geodesic::validate_params(p) == geodesic::Status::BadLambda, "lambda nan");
  p.lambda = 1.0;
  p.iterations = 0;
  check(geodesic::validate_params(p) == geodesic::Status::BadIterations, "iterations");
  p.iterations = 2;
  p.method = static_cast<geodesic::Method>(7);
  check(geodesic::validate_params(p) == geodesic::Status::BadMethod, "method");
  p.method = geodesic::Method::Raster;
  img[3] = std::numeric_limits<float>::infinity();
  check(geodesic::compute(p, img.data(), seeds.data(), out.data()) == geodesic::Status::NonFiniteImage, "inf");
  img[3] = 1.0f;
  check(geodesic::compute(p, img.data(), seeds.data(), out.data()) == geodesic::Status::Ok, "ok");
  for (float v : out) check(std::isinf(v), "no seeds -> infinity");
}

}  // namespace

int main() {
  const Case cases[] = {
      {1, 9, 11, {1, 1, 1}, 1.0f},     {1, 1, 13, {1, 1, 1}, 1.0f},   {1, 7, 1, {1, 2, 1}, 0.5f},
      {5, 6, 7, {1, 1, 1}, 1.0f},      {4, 5, 6, {2.5, 1, 0.7}, 0.3f}, {3, 1, 8, {1, 1, 1}, 0.0f},
      {6, 7, 5, {1, 1, 1}, 0.0f},      {1, 1, 1, {1, 1, 1}, 1.0f},    {9, 11, 10, {1, 1, 1}, 1.0f},
      {1, 41, 37, {1, 1.5, 1}, 0.7f},  {8, 9, 12, {3, 1, 1}, 0.5f},   {2, 2, 2, {1, 1, 1}, 1.0f},
      {40, 1, 1, {1, 1, 1}, 1.0f},
  };
  unsigned seed = 1;
  for (const Case& c : cases) run_case(c, seed++);
  test_validation();
  test_sweeps_on_mazes();
  test_bucket_thread_faults();
  if (failures == 0) std::printf("core tests passed\n");
  return failures == 0 ? 0 : 1;
}
