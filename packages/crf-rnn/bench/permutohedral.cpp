// Bench-only baseline (not shipped): a straightforward single-threaded C++ permutohedral lattice
// filter (Adams et al. 2010) with std::unordered_map for the vertex table, to compare the
// TypeScript lattice against. Reads `n d channels` then float32 features (n*d) and values
// (n*channels) from the input file, writes the filtered values to the output file and prints
// `build_ms filter_ms vertices` (filter time is the best of `repeats` runs).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

struct KeyHash {
  size_t operator()(const std::vector<int32_t>& key) const {
    size_t h = 0;
    for (int32_t k : key) h = h * 2654435761u + static_cast<uint32_t>(k);
    return h;
  }
};

struct Lattice {
  int n = 0, d = 0, m = 0;
  std::vector<int32_t> vertex;      // n*(d+1)
  std::vector<float> weight;        // n*(d+1)
  std::vector<int32_t> neighbours;  // (d+1)*m*2

  void build(const std::vector<float>& f, int n_, int d_) {
    n = n_;
    d = d_;
    const int d1 = d + 1;
    std::vector<double> scale(d);
    const double inv_std = std::sqrt(2.0 / 3.0) * d1;
    for (int k = 0; k < d; k++) scale[k] = inv_std / std::sqrt(double((k + 1) * (k + 2)));
    std::unordered_map<std::vector<int32_t>, int32_t, KeyHash> table;
    std::vector<std::vector<int32_t>> keys;
    vertex.assign(size_t(n) * d1, 0);
    weight.assign(size_t(n) * d1, 0.f);
    std::vector<double> elevated(d1), bary(d1 + 1);
    std::vector<int32_t> rem0(d1), rank(d1), key(d);
    for (int i = 0; i < n; i++) {
      double tail = 0;
      for (int j = d; j > 0; j--) {
        double cf = f[size_t(i) * d + j - 1] * scale[j - 1];
        elevated[j] = tail - j * cf;
        tail += cf;
      }
      elevated[0] = tail;
      int sum = 0;
      for (int j = 0; j < d1; j++) {
        int r = int(std::lround(elevated[j] / d1));
        // Match JavaScript's Math.round (halves towards +infinity).
        if (std::fabs(elevated[j] / d1 - std::trunc(elevated[j] / d1)) == 0.5) r = int(std::floor(elevated[j] / d1 + 0.5));
        rem0[j] = r * d1;
        sum += r;
      }
      std::fill(rank.begin(), rank.end(), 0);
      for (int j = 0; j < d; j++) {
        double dj = elevated[j] - rem0[j];
        for (int k = j + 1; k < d1; k++) {
          if (dj < elevated[k] - rem0[k]) rank[j]++;
          else rank[k]++;
        }
      }
      for (int j = 0; j < d1; j++) {
        rank[j] += sum;
        if (rank[j] < 0) { rank[j] += d1; rem0[j] += d1; }
        else if (rank[j] > d) { rank[j] -= d1; rem0[j] -= d1; }
      }
      std::fill(bary.begin(), bary.end(), 0.0);
      for (int j = 0; j < d1; j++) {
        double v = (elevated[j] - rem0[j]) / d1;
        bary[d - rank[j]] += v;
        bary[d - rank[j] + 1] -= v;
      }
      bary[0] += 1 + bary[d1];
      for (int r = 0; r < d1; r++) {
        for (int j = 0; j < d; j++) key[j] = rem0[j] + (rank[j] <= d - r ? r : r - d1);
        auto it = table.find(key);
        int32_t v;
        if (it == table.end()) {
          v = int32_t(keys.size());
          table.emplace(key, v);
          keys.push_back(key);
        } else {
          v = it->second;
        }
        vertex[size_t(i) * d1 + r] = v;
        weight[size_t(i) * d1 + r] = float(bary[r]);
      }
    }
    std::vector<int32_t> a(d), b(d);
    auto neighbour_keys = [&](int v, int axis) {
      for (int j = 0; j < d; j++) { a[j] = keys[v][j] - 1; b[j] = keys[v][j] + 1; }
      if (axis < d) { a[axis] = keys[v][axis] + d; b[axis] = keys[v][axis] - d; }
    };
    // Close the vertex set under the forward blur (as the TypeScript lattice does).
    for (int axis = 0; axis < d1; axis++) {
      const int reached = int(keys.size());
      for (int v = 0; v < reached; v++) {
        neighbour_keys(v, axis);
        for (const auto* k : {&a, &b}) {
          if (table.find(*k) == table.end()) {
            table.emplace(*k, int32_t(keys.size()));
            keys.push_back(*k);
          }
        }
      }
    }
    m = int(keys.size());
    neighbours.assign(size_t(d1) * m * 2, -1);
    for (int axis = 0; axis < d1; axis++) {
      for (int v = 0; v < m; v++) {
        neighbour_keys(v, axis);
        auto ia = table.find(a);
        auto ib = table.find(b);
        neighbours[(size_t(axis) * m + v) * 2] = ia == table.end() ? -1 : ia->second;
        neighbours[(size_t(axis) * m + v) * 2 + 1] = ib == table.end() ? -1 : ib->second;
      }
    }
  }

  std::vector<float> filter(const std::vector<float>& values, int ch) const {
    const int d1 = d + 1;
    std::vector<float> grid(size_t(m) * ch, 0.f), next(size_t(m) * ch);
    for (int i = 0; i < n; i++)
      for (int r = 0; r < d1; r++) {
        float w = weight[size_t(i) * d1 + r];
        size_t at = size_t(vertex[size_t(i) * d1 + r]) * ch;
        for (int c = 0; c < ch; c++) grid[at + c] += w * values[size_t(i) * ch + c];
      }
    for (int axis = 0; axis < d1; axis++) {
      for (int v = 0; v < m; v++) {
        int n1 = neighbours[(size_t(axis) * m + v) * 2], n2 = neighbours[(size_t(axis) * m + v) * 2 + 1];
        for (int c = 0; c < ch; c++) {
          float a = n1 >= 0 ? grid[size_t(n1) * ch + c] : 0.f;
          float b = n2 >= 0 ? grid[size_t(n2) * ch + c] : 0.f;
          next[size_t(v) * ch + c] = grid[size_t(v) * ch + c] + 0.5f * (a + b);
        }
      }
      std::swap(grid, next);
    }
    const double pi = 3.14159265358979323846;
    const float scale = float(std::pow(2 * pi, d / 2.0) * std::sqrt(double(d1)) / (std::pow(2.0, d1) * std::pow(1.5, d / 2.0)));
    std::vector<float> out(size_t(n) * ch, 0.f);
    for (int i = 0; i < n; i++)
      for (int r = 0; r < d1; r++) {
        float w = weight[size_t(i) * d1 + r] * scale;
        size_t at = size_t(vertex[size_t(i) * d1 + r]) * ch;
        for (int c = 0; c < ch; c++) out[size_t(i) * ch + c] += w * grid[at + c];
      }
    return out;
  }
};

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s input output repeats\n", argv[0]);
    return 2;
  }
  FILE* in = std::fopen(argv[1], "rb");
  if (!in) return 1;
  int32_t header[3];
  if (std::fread(header, 4, 3, in) != 3) return 1;
  const int n = header[0], d = header[1], ch = header[2];
  std::vector<float> f(size_t(n) * d), v(size_t(n) * ch);
  if (std::fread(f.data(), 4, f.size(), in) != f.size() || std::fread(v.data(), 4, v.size(), in) != v.size()) return 1;
  std::fclose(in);
  Lattice lattice;
  auto t0 = std::chrono::steady_clock::now();
  lattice.build(f, n, d);
  double build = ms_since(t0);
  double best = 1e300;
  std::vector<float> out;
  for (int rep = 0; rep < std::stoi(argv[3]); rep++) {
    auto t1 = std::chrono::steady_clock::now();
    out = lattice.filter(v, ch);
    best = std::min(best, ms_since(t1));
  }
  FILE* o = std::fopen(argv[2], "wb");
  std::fwrite(out.data(), 4, out.size(), o);
  std::fclose(o);
  std::printf("%f %f %d\n", build, best, lattice.m);
  return 0;
}
