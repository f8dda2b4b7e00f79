// CRF-Net inference kernels over a local window (2 labels, tabulated Pairwise-Net):
//  * crf_tabulate: per-pair weights from the Pairwise-Net table, stored row-blocked and
//    offset-major ([image row][offset][x]) as 16-bit fixed point (weights are sigmoids in (0, 1);
//    the step 1/65535 is far below the table's own interpolation error), halving the memory
//    every mean-field iteration streams. Within each full block of 8 voxels the order is
//    x0 x4 x1 x5 x2 x6 x3 x7, so one 32-bit lane holds voxels i (low half) and i + 4 (high half):
//    an AND and a shift unpack them (clang 14 scalarises the u16 → u32 extends).
//  * crf_binary_mean_field: the whole 2-label mean field of the TypeScript binaryMeanField
//    (src/binary-mean-field.ts) with the message pass m[x] += w_k[x]·q[x + o_k] vectorised.
#include <wasm_simd128.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "simd.hpp"

namespace {

struct Geometry {
  int D, H, W, pd, ph, pw, Hp, Wp;
  /** Padded flat index of the first voxel of row (z, y). */
  int row_start(int z, int y) const { return ((z + pd) * Hp + y + ph) * Wp + pw; }
};

Geometry geometry(int D, int H, int W, int pd, int ph, int pw) {
  return {D, H, W, pd, ph, pw, H + 2 * ph, W + 2 * pw};
}

constexpr float kFixed = 65535.0f;

// The hot per-row loops are separate, non-inlined functions: V8 first runs a module in its
// baseline compiler and swaps in optimised code per function, at calls. A kernel call that spent
// its whole run inside one function would stay on baseline code for the first (slowest) call.

/**
 * acc[x] = Σ_k w[k][x]·q[start + delta[k] + x] for one image row, x < W. `w` is the row's
 * [K][W] fixed-point block. Eight voxels per step: their accumulators stay in registers while the
 * K offsets stream through (the row's weight block, K·W·2 bytes, stays in L1).
 */
__attribute__((noinline)) void row_message(const uint16_t* w, const float* q, const int32_t* delta, int K, int W, float* acc) {
  const v128_t low16 = wasm_i32x4_splat(0xffff);
  int x = 0;
  for (; x + 8 <= W; x += 8) {
    v128_t a0 = wasm_f32x4_splat(0.f);
    v128_t a1 = wasm_f32x4_splat(0.f);
    for (int k = 0; k < K; k++) {
      const v128_t wv = wasm_v128_load(w + k * W + x);
      const float* qk = q + delta[k] + x;
      // Signed conversion (one x64 instruction; the unsigned one is emulated): values < 2^16.
      const v128_t lo = wasm_f32x4_convert_i32x4(wasm_v128_and(wv, low16));
      const v128_t hi = wasm_f32x4_convert_i32x4(wasm_u32x4_shr(wv, 16));
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(lo, wasm_v128_load(qk)));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(hi, wasm_v128_load(qk + 4)));
    }
    wasm_v128_store(acc + x, a0);
    wasm_v128_store(acc + x + 4, a1);
  }
  for (; x < W; x++) {
    float s = 0.f;
    for (int k = 0; k < K; k++) s += float(w[k * W + x]) * q[delta[k] + x];
    acc[x] = s;
  }
}

/** Fixed-point weights of one image row for every offset (see crf_tabulate). */
__attribute__((noinline)) void tabulate_row(const float* c, const float* table, int bins, const int32_t* delta, int K, int W,
                                            uint16_t* block) {
  const v128_t centre = wasm_f32x4_splat(float(bins) / 2.f);
  const v128_t top = wasm_f32x4_splat(float(bins - 1));
  const v128_t zero = wasm_f32x4_splat(0.f), one = wasm_f32x4_splat(1.f);
  const v128_t fixed = wasm_f32x4_splat(kFixed), half = wasm_f32x4_splat(0.5f);
  /** Fixed-point weights of 4 pairs from their neighbour and centre intensities. */
  auto four = [&](const float* t, v128_t nb, v128_t c) -> v128_t {
    const v128_t pos = wasm_f32x4_add(wasm_f32x4_sub(nb, c), centre);
    // pmin/pmax are single instructions (std::fmin is a libcall: NaN semantics).
    const v128_t b = wasm_f32x4_pmin(top, wasm_f32x4_pmax(zero, wasm_f32x4_floor(pos)));
    const v128_t f = wasm_f32x4_sub(pos, b);
    const v128_t bi = wasm_i32x4_trunc_sat_f32x4(b);
    const float* t0 = t + wasm_i32x4_extract_lane(bi, 0);
    const float* t1 = t + wasm_i32x4_extract_lane(bi, 1);
    const float* t2 = t + wasm_i32x4_extract_lane(bi, 2);
    const float* t3 = t + wasm_i32x4_extract_lane(bi, 3);
    const v128_t lo = wasm_f32x4_make(t0[0], t1[0], t2[0], t3[0]);
    const v128_t hi = wasm_f32x4_make(t0[1], t1[1], t2[1], t3[1]);
    const v128_t w = wasm_f32x4_add(lo, wasm_f32x4_mul(f, wasm_f32x4_sub(hi, lo)));
    const v128_t clamped = wasm_f32x4_pmin(one, wasm_f32x4_pmax(zero, w));
    return wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_add(wasm_f32x4_mul(clamped, fixed), half));
  };
  for (int k = 0; k < K; k++) {
    const float* nb = c + delta[k];
    const float* t = table + size_t(k) * (bins + 1);
    uint16_t* o = block + size_t(k) * W;
    int x = 0;
    for (; x + 8 <= W; x += 8) {
      const v128_t a = four(t, wasm_v128_load(nb + x), wasm_v128_load(c + x));
      const v128_t b = four(t, wasm_v128_load(nb + x + 4), wasm_v128_load(c + x + 4));
      wasm_v128_store(o + x, wasm_v128_or(a, wasm_i32x4_shl(b, 16)));  // x0 x4 x1 x5 ...
    }
    for (; x < W; x++) {
      const float pos = nb[x] - c[x] + float(bins) / 2.f;
      float b = std::floor(pos);
      b = b < 0.f ? 0.f : b > float(bins - 1) ? float(bins - 1) : b;
      const int bi = int(b);
      const float w = t[bi] + (pos - b) * (t[bi + 1] - t[bi]);
      o[x] = uint16_t((w < 0.f ? 0.f : w > 1.f ? 1.f : w) * kFixed + 0.5f);
    }
  }
}

/** Per-voxel state of the 2-label mean field (see crf_binary_mean_field). */
struct BinaryField {
  const float *S, *u0, *u1, *fixed, *value, *mu;
  float scale, seed_logit;
  float* out;

  /** Output logits of voxel v: l0, l1 unless seeded (NaN seed_logit: keep the mean-field logits). */
  void put(size_t v, float l0, float l1) const {
    if (fixed[v] != 0.f && seed_logit == seed_logit) {
      l1 = seed_logit * (2.f * value[v] - 1.f);
      l0 = -l1;
    }
    out[2 * v] = l0;
    out[2 * v + 1] = l1;
  }

  /** U' = U − M·μᵀ and the clamped Q1 of one row from its message sums `acc`; logits if `last`. */
  __attribute__((noinline)) void update_row(size_t v0, int W, const float* acc, float* next, bool last) const {
    const v128_t mu0 = wasm_f32x4_splat(mu[0]), mu1 = wasm_f32x4_splat(mu[1]), mu2 = wasm_f32x4_splat(mu[2]),
                 mu3 = wasm_f32x4_splat(mu[3]);
    const v128_t vscale = wasm_f32x4_splat(scale), one = wasm_f32x4_splat(1.f);
    int x = 0;
    for (; x + 4 <= W; x += 4) {
      const size_t v = v0 + x;
      const v128_t m1 = wasm_f32x4_mul(wasm_v128_load(acc + x), vscale);
      const v128_t m0 = wasm_f32x4_sub(wasm_v128_load(S + v), m1);
      const v128_t l0 = wasm_f32x4_sub(wasm_v128_load(u0 + v), wasm_f32x4_add(wasm_f32x4_mul(mu0, m0), wasm_f32x4_mul(mu1, m1)));
      const v128_t l1 = wasm_f32x4_sub(wasm_v128_load(u1 + v), wasm_f32x4_add(wasm_f32x4_mul(mu2, m0), wasm_f32x4_mul(mu3, m1)));
      const v128_t q = wasm_f32x4_div(one, wasm_f32x4_add(one, crf::exp4(wasm_f32x4_sub(l0, l1))));
      const v128_t clamped = wasm_f32x4_add(wasm_f32x4_mul(q, wasm_f32x4_sub(one, wasm_v128_load(fixed + v))), wasm_v128_load(value + v));
      wasm_v128_store(next + x, clamped);
      if (last) {
        float lo[4], hi[4];
        wasm_v128_store(lo, l0);
        wasm_v128_store(hi, l1);
        for (int i = 0; i < 4; i++) put(v + i, lo[i], hi[i]);
      }
    }
    for (; x < W; x++) {
      const size_t v = v0 + x;
      const float m1 = acc[x] * scale;
      const float m0 = S[v] - m1;
      const float l0 = u0[v] - (mu[0] * m0 + mu[1] * m1);
      const float l1 = u1[v] - (mu[2] * m0 + mu[3] * m1);
      next[x] = (1.f / (1.f + std::exp(l0 - l1))) * (1.f - fixed[v]) + value[v];
      if (last) put(v, l0, l1);
    }
  }
};

}  // namespace

extern "C" {

/**
 * Pairwise weights of one image: `scaled` is the zero-padded image in table-bin units, `table`
 * the Pairwise-Net at bins + 1 differences per offset (row k covers differences
 * −bins/2 .. bins/2), `out` [D·H][K][W] fixed point. Linear interpolation between bins, as
 * tabulatedWeightMap does; neighbours in the padding get a weight the message never uses.
 */
void crf_tabulate(const float* scaled, const float* table, int32_t bins, const int32_t* delta, int32_t K, int32_t D, int32_t H,
                  int32_t W, int32_t pd, int32_t ph, int32_t pw, uint16_t* out) {
  const Geometry g = geometry(D, H, W, pd, ph, pw);
  for (int z = 0; z < D; z++) {
    for (int y = 0; y < H; y++) tabulate_row(scaled + g.row_start(z, y), table, bins, delta, K, W, out + size_t(z * H + y) * K * W);
  }
}

/**
 * 2-label mean field of one image over fixed-point weights from crf_tabulate. `unaries` [V·2],
 * `mu` the 2×2 compatibility (row-major), `seeds` [V] (−1 free, 0/1 clamped) or null, `out`
 * [V·2] the last U' (U when iterations is 0), except at seeds, which get ±seed_logit (+ for the
 * seed label) unless it is NaN. Returns 0, or 1 when scratch memory is exhausted.
 */
int32_t crf_binary_mean_field(const uint16_t* w, const int32_t* delta, int32_t K, int32_t D, int32_t H, int32_t W, int32_t pd,
                              int32_t ph, int32_t pw, const float* unaries, const float* mu, int32_t iterations, const int8_t* seeds,
                              float seed_logit, float* out) {
  const Geometry g = geometry(D, H, W, pd, ph, pw);
  const size_t V = size_t(D) * H * W;
  const size_t P = size_t(D + 2 * pd) * g.Hp * g.Wp;
  // One allocation: two padded Q buffers, a padded volume of ones (its message is S), S (in-volume
  // weight sums / K), per-voxel unaries split by label, the seed clamp (fixed, value), and a row
  // accumulator.
  const size_t floats = 3 * P + 5 * V + size_t(W) + 8;
  float* scratch = static_cast<float*>(std::calloc(floats, sizeof(float)));
  if (scratch == nullptr) return 1;
  float* qa = scratch;
  float* qb = qa + P;
  float* ones = qb + P;
  float* S = ones + P;
  float* u0 = S + V;
  float* u1 = u0 + V;
  float* fixed = u1 + V;
  float* value = fixed + V;
  float* acc = value + V;
  const float scale = 1.f / (float(K) * kFixed);
  for (size_t v = 0; v < V; v++) {
    u0[v] = unaries[2 * v];
    u1[v] = unaries[2 * v + 1];
    const int s = seeds == nullptr ? -1 : seeds[v];
    fixed[v] = s < 0 ? 0.f : 1.f;
    value[v] = s < 0 ? 0.f : float(s);
  }
  // Q1 at initialisation, clamped at seeds.
  for (int z = 0; z < D; z++) {
    for (int y = 0; y < H; y++) {
      const size_t v0 = size_t(z * H + y) * W;
      float* q = qa + g.row_start(z, y);
      std::fill_n(ones + g.row_start(z, y), W, 1.f);
      for (int x = 0; x < W; x++) {
        const size_t v = v0 + x;
        q[x] = (1.f / (1.f + std::exp(u0[v] - u1[v]))) * (1.f - fixed[v]) + value[v];
      }
    }
  }
  const BinaryField field{S, u0, u1, fixed, value, mu, scale, seed_logit, out};
  for (size_t v = 0; v < V; v++) field.put(v, u0[v], u1[v]);
  const int rows = D * H;
  /** Iteration t of image row r: Q from one buffer into the other (they alternate). */
  auto iterate_row = [&](int t, int r) {
    const size_t v0 = size_t(r) * W;
    const int p0 = g.row_start(r / H, r % H);
    const bool even = t % 2 == 0;
    row_message(w + v0 * K, (even ? qa : qb) + p0, delta, K, W, acc);
    field.update_row(v0, W, acc, (even ? qb : qa) + p0, t + 1 == iterations);
  };
  // All iterations in one pass over the weights, as a wavefront: iteration t runs `lag` rows
  // behind iteration t − 1, just far enough for the last row its window reads to be done, so each
  // row's weights are still in cache when the later iterations reach it (a quarter less time on
  // a 96³ region than iteration by iteration). Writing iteration t over t − 2 is safe: the rows of
  // t − 2 that iteration t − 1 still reads all lie ahead. Every row computes exactly as it would
  // one iteration at a time; S (the message of ones) is the first level.
  const int lag = pd * H + ph;
  const int steps = rows + (iterations > 0 ? iterations - 1 : 0) * lag;
  for (int s = 0; s < steps; s++) {
    if (s < rows) {
      const size_t v0 = size_t(s) * W;
      row_message(w + v0 * K, ones + g.row_start(s / H, s % H), delta, K, W, acc);
      for (int x = 0; x < W; x++) S[v0 + x] = acc[x] * scale;
    }
    for (int t = 0; t < iterations; t++) {
      const int r = s - t * lag;
      if (r < 0) break;
      if (r < rows) iterate_row(t, r);
    }
  }
  std::free(scratch);
  return 0;
}

}  // extern "C"
