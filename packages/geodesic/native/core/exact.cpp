// Exact geodesic distance: Dijkstra on the 8-neighbour (2D) / 26-neighbour (3D) graph.
//
// The queue is a radix heap (Dijkstra's keys never go below the last popped one, which is all a
// radix heap needs). Interior voxels relax their 26 neighbours as nine 4-lane
// vectors. Float addition is monotone, so the result is the minimum over all paths of
// the left-to-right float sum of step costs -- the same numbers a raster scan converges to.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "detail.hpp"
#include "vec4.hpp"

namespace geodesic::detail {

namespace {

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

/**
 * Monotone priority queue of (key, node) for keys >= the last popped key: a radix heap over the
 * float bit patterns (for non-negative floats the bits order like the values).
 */
class RadixHeap {
 public:
  struct Item {
    uint32_t key;
    uint32_t node;
  };

  bool empty() const { return size_ == 0; }

  void push(uint32_t key, uint32_t node) {
    buckets_[bucket_of(key)].push_back({key, node});
    ++size_;
  }

  Item pop() {
    if (buckets_[0].empty()) {
      int i = 1;
      while (buckets_[i].empty()) ++i;
      uint32_t smallest = buckets_[i][0].key;
      for (const Item& item : buckets_[i]) smallest = item.key < smallest ? item.key : smallest;
      last_ = smallest;
      for (const Item& item : buckets_[i]) buckets_[bucket_of(item.key)].push_back(item);
      buckets_[i].clear();
    }
    const Item top = buckets_[0].back();
    buckets_[0].pop_back();
    --size_;
    return top;
  }

 private:
  int bucket_of(uint32_t key) const {
    return key == last_ ? 0 : 32 - __builtin_clz(key ^ last_);
  }

  std::vector<Item> buckets_[33];
  uint32_t last_ = 0;
  size_t size_ = 0;
};

struct Neighbour {
  int dd, dh, dw;
  int64_t linear;
  float local_dist;
};

std::vector<Neighbour> neighbourhood(const Params& p) {
  std::vector<Neighbour> list;
  const int dmax = p.depth > 1 ? 1 : 0;
  for (int dd = -dmax; dd <= dmax; ++dd) {
    for (int dh = -1; dh <= 1; ++dh) {
      for (int dw = -1; dw <= 1; ++dw) {
        if (dd == 0 && dh == 0 && dw == 0) continue;
        const int64_t linear = (dd * p.height + dh) * p.width + dw;
        list.push_back({dd, dh, dw, linear, local_distance(dd, dh, dw, p.spacing)});
      }
    }
  }
  return list;
}

/** u / n for 0 <= u < 2^31 without an integer division (a double estimate, then corrected). */
struct FastDivider {
  explicit FastDivider(int64_t n) : n_(n), inv_(1.0 / static_cast<double>(n)) {}
  int64_t operator()(int64_t u) const {
    int64_t q = static_cast<int64_t>(static_cast<double>(u) * inv_);
    if (q * n_ > u) --q;
    if ((q + 1) * n_ <= u) ++q;
    return q;
  }
  int64_t n_;
  double inv_;
};

/**
 * Dijkstra from the given start voxels. `Cells` stores distances and intensities; single-channel
 * cells also provide a vectorised expansion of interior voxels.
 */
template <typename Cells>
void dijkstra(const Params& p, Cells& cells, const std::vector<uint32_t>& starts) {
  const int64_t H = p.height, W = p.width, D = p.depth;
  const FastDivider by_plane(H * W), by_width(W);
  const float lambda = static_cast<float>(p.lambda);
  const float one_minus_lambda = 1.0f - lambda;
  const std::vector<Neighbour> nbrs = neighbourhood(p);
  RadixHeap heap;
  for (const uint32_t i : starts) heap.push(float_bits(cells.dist(i)), i);
  while (!heap.empty()) {
    const RadixHeap::Item top = heap.pop();
    const int64_t u = top.node;
    const float du = cells.dist(u);
    // Stale entry: the voxel was reached more cheaply after this push. Keys never repeat for a
    // voxel (pushes need a strict decrease), so each voxel is expanded exactly once.
    if (float_bits(du) != top.key) continue;
    const int64_t d = by_plane(u);
    const int64_t rest = u - d * H * W;
    const int64_t h = by_width(rest);
    const int64_t w = rest - h * W;
    const bool interior = (D == 1 || (d > 0 && d < D - 1)) && h > 0 && h < H - 1 && w > 0 &&
                          w < W - 1;
    if constexpr (Cells::kVectorised) {
      if (interior) {
        cells.expand_interior(u, du, heap);
        continue;
      }
    }
    for (const Neighbour& n : nbrs) {
      if (!interior) {
        const int64_t nd = d + n.dd, nh = h + n.dh, nw = w + n.dw;
        if (nd < 0 || nd >= D || nh < 0 || nh >= H || nw < 0 || nw >= W) continue;
      }
      const int64_t q = u + n.linear;
      // Expanded neighbours fail the test below on their own (their distance is <= du), so no
      // separate "done" flag is needed.
      const float cand = du + step_cost(cells.difference(u, q), n.local_dist, lambda,
                                        one_minus_lambda);
      if (cand < cells.dist(q)) {
        cells.set_dist(q, cand);
        heap.push(float_bits(cand), static_cast<uint32_t>(q));
      }
    }
  }
}

/**
 * Single-channel cells: (distance, intensity) pairs interleaved, so popping a voxel and reading
 * a neighbour touch one cache line instead of two. Padded: the vector loads of the last interior
 * voxel read one pair past the volume.
 */
class SingleChannelCells {
 public:
  static constexpr bool kVectorised = true;

  SingleChannelCells(const Params& p, const float* image, const float* dist, int64_t voxels)
      : data_(static_cast<size_t>(2 * (voxels + 4)), 0.0f),
        groups_(row_groups(p, p.width, p.height * p.width)), cost_(static_cast<float>(p.lambda)) {
    for (int64_t i = 0; i < voxels; ++i) {
      data_[2 * i] = dist[i];
      data_[2 * i + 1] = image[i];
    }
  }
  float dist(int64_t i) const { return data_[2 * i]; }
  void set_dist(int64_t i, float v) { data_[2 * i] = v; }
  float difference(int64_t a, int64_t b) const {
    return std::fabs(data_[2 * a + 1] - data_[2 * b + 1]);
  }
  void copy_out(float* dist, int64_t voxels) const {
    for (int64_t i = 0; i < voxels; ++i) dist[i] = data_[2 * i];
  }

  /** Relaxes all neighbours of an interior voxel, one row of three per vector. */
  void expand_interior(int64_t u, float du, RadixHeap& heap) {
    const v4f iu4 = splat4(data_[2 * u + 1]), du4 = splat4(du);
    for (const RowGroup& g : groups_) {
      const int64_t base = u + g.offset;
      v4f qdist;
      const v4f cand = group_candidates(&data_[2 * base], g, du4, iu4, cost_, &qdist);
      const v4i better = (cand < qdist) & g.valid;
      if ((better[0] | better[1] | better[2]) == 0) continue;
      for (int lane = 0; lane < 3; ++lane) {
        if (better[lane] != 0) {
          data_[2 * (base + lane)] = cand[lane];
          heap.push(float_bits(cand[lane]), static_cast<uint32_t>(base + lane));
        }
      }
    }
  }

 private:
  std::vector<float> data_;
  std::vector<RowGroup> groups_;
  StepCost4 cost_;
};

/** Multi-channel cells: distances in place, interleaved channel vectors alongside. */
class ChannelCells {
 public:
  static constexpr bool kVectorised = false;

  ChannelCells(const float* image, float* dist, int64_t channels)
      : image_(image), dist_(dist), channels_(channels) {}
  float dist(int64_t i) const { return dist_[i]; }
  void set_dist(int64_t i, float v) { dist_[i] = v; }
  float difference(int64_t a, int64_t b) const {
    return channel_difference(image_ + a * channels_, image_ + b * channels_, channels_);
  }

 private:
  const float* image_;
  float* dist_;
  int64_t channels_;
};

}  // namespace

void dijkstra_from(const Params& p, const float* image, float* dist,
                   const std::vector<uint32_t>& starts) {
  const int64_t voxels = p.depth * p.height * p.width;
  if (p.channels == 1) {
    SingleChannelCells cells(p, image, dist, voxels);
    dijkstra(p, cells, starts);
    cells.copy_out(dist, voxels);
  } else {
    ChannelCells cells(image, dist, p.channels);
    dijkstra(p, cells, starts);
  }
}

void exact_dijkstra(const Params& p, const float* image, float* dist) {
  const int64_t voxels = p.depth * p.height * p.width;
  std::vector<uint32_t> seeds;
  for (int64_t i = 0; i < voxels; ++i) {
    if (dist[i] == 0.0f) seeds.push_back(static_cast<uint32_t>(i));
  }
  dijkstra_from(p, image, dist, seeds);
}

}  // namespace geodesic::detail
