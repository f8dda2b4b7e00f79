// Permutohedral lattice (Adams, Baek & Davis 2010) for the WebAssembly kernels: the same
// construction as src/lattice.ts (same vertex order, closed under the blur, missing neighbours
// pointing at a zero row m), so both paths give the same filter up to float rounding.
#include <wasm_simd128.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

/** Open-addressing table from integer keys of length d to dense vertex indices (as KeyTable in TS). */
class KeyTable {
 public:
  explicit KeyTable(int d) : d_(d), slots_(1024, -1), mask_(1023) {}
  std::vector<int32_t> keys;
  int32_t count = 0;

  __attribute__((noinline)) int32_t find(const int32_t* key, bool insert) {
    uint32_t slot = hash(key);
    for (;;) {
      const int32_t vertex = slots_[slot];
      if (vertex < 0) break;
      if (std::memcmp(&keys[size_t(vertex) * d_], key, sizeof(int32_t) * d_) == 0) return vertex;
      slot = (slot + 1) & mask_;
    }
    if (!insert) return -1;
    const int32_t vertex = count++;
    keys.insert(keys.end(), key, key + d_);
    slots_[slot] = vertex;
    if (size_t(count) * 2 > slots_.size()) rehash();
    return vertex;
  }

 private:
  int d_;
  std::vector<int32_t> slots_;
  uint32_t mask_;

  uint32_t hash(const int32_t* key) const {
    uint32_t h = 0;
    for (int k = 0; k < d_; k++) h = (h ^ uint32_t(key[k])) * 0x9e3779b1u + uint32_t(k);
    return (h ^ (h >> 15)) & mask_;
  }

  void rehash() {
    slots_.assign(slots_.size() * 2, -1);
    mask_ = uint32_t(slots_.size() - 1);
    for (int32_t v = 0; v < count; v++) {
      uint32_t slot = hash(&keys[size_t(v) * d_]);
      while (slots_[slot] >= 0) slot = (slot + 1) & mask_;
      slots_[slot] = v;
    }
  }
};

/** [½ 1 ½] blur along one lattice direction; `nb` holds the two neighbours of each vertex. */
template <int CH>
void blur_axis(const float* grid, float* next, const int32_t* nb, int m, int ch) {
  const int c = CH > 0 ? CH : ch;
  for (int v = 0; v < m; v++) {
    const float* a = grid + size_t(nb[2 * v]) * c;
    const float* b = grid + size_t(nb[2 * v + 1]) * c;
    const float* g = grid + size_t(v) * c;
    float* o = next + size_t(v) * c;
    for (int j = 0; j < c; j++) o[j] = g[j] + 0.5f * (a[j] + b[j]);
  }
}

template <int CH>
void splat_blur_slice(int n, int d, int m, int passes, const int32_t* vertex, const float* weight, const int32_t* neighbours, const float* values,
                      int ch, bool reverse, float scale, float* grid, float* next, float* out) {
  const int c = CH > 0 ? CH : ch;
  const int d1 = d + 1;
  std::memset(grid, 0, sizeof(float) * size_t(m + 1) * c);
  std::memset(next + size_t(m) * c, 0, sizeof(float) * c);
  for (int i = 0; i < n; i++) {
    const float* val = values + size_t(i) * c;
    for (int r = i * d1; r < (i + 1) * d1; r++) {
      float* at = grid + size_t(vertex[r]) * c;
      const float w = weight[r];
      for (int j = 0; j < c; j++) at[j] += w * val[j];
    }
  }
  for (int step = 0; step < d1 * passes; step++) {
    const int axis = reverse ? d - step / passes : step / passes;
    blur_axis<CH>(grid, next, neighbours + size_t(axis) * m * 2, m, c);
    float* swap = grid;
    grid = next;
    next = swap;
  }
  for (int i = 0; i < n; i++) {
    float* o = out + size_t(i) * c;
    for (int j = 0; j < c; j++) o[j] = 0.f;
    for (int r = i * d1; r < (i + 1) * d1; r++) {
      const float* at = grid + size_t(vertex[r]) * c;
      const float w = weight[r] * scale;
      for (int j = 0; j < c; j++) o[j] += w * at[j];
    }
  }
}

/** Finds each point's enclosing simplex (Adams et al. 2010, as src/lattice-ts.ts) and its vertices. */
struct Simplexer {
  int d, d1;
  KeyTable& table;
  std::vector<double> scale, elevated, bary;
  std::vector<int32_t> rem0, rank, key;

  Simplexer(int d_, double feature_scale, KeyTable& t)
      : d(d_), d1(d_ + 1), table(t), scale(d_), elevated(d_ + 1), bary(d_ + 2), rem0(d_ + 1), rank(d_ + 1), key(d_) {
    const double inv_std = std::sqrt(2.0 / 3.0) * d1 * feature_scale;
    for (int k = 0; k < d; k++) scale[k] = inv_std / std::sqrt(double((k + 1) * (k + 2)));
  }

  /** Writes the d + 1 vertices (inserted into the table) and barycentric weights of point `f`. */
  __attribute__((noinline)) void locate(const float* f, int32_t* vertex, float* weight) {
    double tail = 0;
    for (int j = d; j > 0; j--) {
      const double cf = double(f[j - 1]) * scale[j - 1];
      elevated[j] = tail - j * cf;
      tail += cf;
    }
    elevated[0] = tail;
    int sum = 0;
    for (int j = 0; j < d1; j++) {
      const int r = int(std::floor(elevated[j] / d1 + 0.5));
      rem0[j] = r * d1;
      sum += r;
    }
    std::fill(rank.begin(), rank.end(), 0);
    for (int j = 0; j < d; j++) {
      const double dj = elevated[j] - rem0[j];
      for (int k = j + 1; k < d1; k++) {
        if (dj < elevated[k] - rem0[k]) rank[j]++;
        else rank[k]++;
      }
    }
    for (int j = 0; j < d1; j++) {
      rank[j] += sum;
      if (rank[j] < 0) {
        rank[j] += d1;
        rem0[j] += d1;
      } else if (rank[j] > d) {
        rank[j] -= d1;
        rem0[j] -= d1;
      }
    }
    std::fill(bary.begin(), bary.end(), 0.0);
    for (int j = 0; j < d1; j++) {
      const double v = (elevated[j] - rem0[j]) / d1;
      bary[d - rank[j]] += v;
      bary[d - rank[j] + 1] -= v;
    }
    bary[0] += 1 + bary[d1];
    for (int r = 0; r < d1; r++) {
      for (int j = 0; j < d; j++) key[j] = rem0[j] + (rank[j] <= d - r ? r : r - d1);
      vertex[r] = table.find(key.data(), true);
      weight[r] = float(bary[r]);
    }
  }
};

}  // namespace

extern "C" {

/**
 * Builds the lattice of `n` points with `d` pre-scaled features for `passes` blur passes per
 * direction (features times `feature_scale` inside, see featureScale in TS): writes each point's
 * d + 1 simplex vertices and barycentric weights to `vertex` / `weight` ([n·(d+1)]) and returns
 * a malloc'ed int32 block [m, neighbours ((d+1)·m·2, missing = m)] (null when out of memory).
 */
int32_t* crf_lattice_build(const float* features, int32_t n, int32_t d, int32_t passes, double feature_scale, int32_t* vertex,
                           float* weight) {
  const int d1 = d + 1;
  std::vector<int32_t> probe(2 * d);
  KeyTable table(d);
  Simplexer simplexer(d, feature_scale, table);
  for (int i = 0; i < n; i++) simplexer.locate(features + size_t(i) * d, vertex + size_t(i) * d1, weight + size_t(i) * d1);
  auto neighbour_keys = [&](int v, int axis) {
    for (int j = 0; j < d; j++) {
      const int32_t kv = table.keys[size_t(v) * d + j];
      probe[j] = kv - 1;
      probe[d + j] = kv + 1;
    }
    if (axis < d) {
      probe[axis] = table.keys[size_t(v) * d + axis] + d;
      probe[d + axis] = table.keys[size_t(v) * d + axis] - d;
    }
  };
  // Close the vertex set under the blur (see src/lattice.ts).
  for (int step = 0; step < d1 * passes; step++) {
    const int axis = step / passes;
    const int reached = table.count;
    for (int v = 0; v < reached; v++) {
      neighbour_keys(v, axis);
      table.find(probe.data(), true);
      table.find(probe.data() + d, true);
    }
  }
  const int m = table.count;
  int32_t* block = static_cast<int32_t*>(std::malloc(sizeof(int32_t) * (1 + size_t(d1) * m * 2)));
  if (block == nullptr) return nullptr;
  block[0] = m;
  int32_t* nb = block + 1;
  for (int axis = 0; axis < d1; axis++) {
    for (int v = 0; v < m; v++) {
      neighbour_keys(v, axis);
      const int32_t a = table.find(probe.data(), false);
      const int32_t b = table.find(probe.data() + d, false);
      nb[(size_t(axis) * m + v) * 2] = a < 0 ? m : a;
      nb[(size_t(axis) * m + v) * 2 + 1] = b < 0 ? m : b;
    }
  }
  return block;
}

/**
 * Splat, blur (axes 0..d, or d..0 when `reverse`, `passes` times each) and slice `values`
 * ([n·ch]) into `out`, with the slice weights times `scale`. Returns 0, or 1 when scratch
 * memory is exhausted.
 */
int32_t crf_lattice_filter(int32_t n, int32_t d, int32_t m, int32_t passes, const int32_t* vertex, const float* weight, const int32_t* neighbours,
                           const float* values, int32_t ch, int32_t reverse, float scale, float* out) {
  float* grid = static_cast<float*>(std::malloc(sizeof(float) * 2 * size_t(m + 1) * ch));
  if (grid == nullptr) return 1;
  float* next = grid + size_t(m + 1) * ch;
  if (ch == 1) splat_blur_slice<1>(n, d, m, passes, vertex, weight, neighbours, values, ch, reverse != 0, scale, grid, next, out);
  else if (ch == 2) splat_blur_slice<2>(n, d, m, passes, vertex, weight, neighbours, values, ch, reverse != 0, scale, grid, next, out);
  else splat_blur_slice<0>(n, d, m, passes, vertex, weight, neighbours, values, ch, reverse != 0, scale, grid, next, out);
  std::free(grid);
  return 0;
}

}  // extern "C"
