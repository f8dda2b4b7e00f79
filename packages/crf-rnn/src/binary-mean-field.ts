// Inference-only mean field for 2 labels over fixed voxel-major window weights (the tabulated
// CRF-Net path), entirely in typed arrays. With 2 labels Q0 = 1 − Q1, so one padded channel
// carries the whole distribution: M1 = (1/K) Σ_k w_k·Q1(x + o_k) and M0 = S/K − M1, where
// S = Σ_k w_k over the neighbours inside the volume. This halves the message pass's reads and
// replaces the per-iteration tfjs ops (softmax, compatibility matMul, clamp), which cost about
// as much as the message pass itself on 96³ volumes.
import { forEachRow, type PaddedGeometry, padVolume } from './padded.js';

/** Inputs of {@link binaryMeanField}. */
export interface BinaryMeanFieldSpec {
  /** Padded geometry of one image (window offsets included). */
  geometry: PaddedGeometry;
  /** Batch size N. */
  batch: number;
  /** Window size K (number of offsets). */
  K: number;
  /** Voxel-major weights `[N·V·K]`. */
  weights: Float32Array;
  /** Unary logits `[N·V·2]` (labels fastest). */
  unaries: Float32Array;
  /** Compatibility μ `[2, 2]`, row-major. */
  compatibility: Float32Array;
  /** Mean-field iterations (>= 0). */
  iterations: number;
  /** Optional clamp per voxel `[N·V]`: −1 free, 0 background seed, 1 foreground seed. */
  seeds?: Int8Array;
  /** Output logits at seeded voxels: +seedLogit for the seed label, −seedLogit for the other. */
  seedLogit?: number;
}

/** Writes ±seedLogit at the seeded voxels of `logits` (`[N·V·2]`), as CRF-Net(fu) outputs them. */
export function writeSeedLogits(logits: Float32Array, seeds: Int8Array, seedLogit: number): void {
  for (let v = 0; v < seeds.length; v++) {
    const s = seeds[v]!;
    if (s < 0) continue;
    logits[2 * v + 1] = s === 1 ? seedLogit : -seedLogit;
    logits[2 * v] = -logits[2 * v + 1]!;
  }
}

/**
 * Runs the mean-field recurrence U' = U − M·μᵀ, Q = softmax(U') (with seeds clamped in Q at
 * initialisation and after every iteration) and returns the last U' (`[N·V·2]`; U itself when
 * `iterations` is 0; ±`seedLogit` at seeds when given). Same model as `meanField` with a local
 * messenger, in float64 arithmetic.
 */
export function binaryMeanField(spec: BinaryMeanFieldSpec): Float32Array {
  const { geometry: g, batch, K, weights, unaries, compatibility: mu, iterations, seeds } = spec;
  const V = g.dhw[0] * g.dhw[1] * g.dhw[2];
  const delta = g.delta;
  const inv = 1 / K;
  const out = Float32Array.from(unaries);
  const clamp = (q1: number, i: number): number => {
    const s = seeds === undefined ? -1 : seeds[i]!;
    return s < 0 ? q1 : s;
  };
  for (let n = 0; n < batch; n++) {
    const base = n * V;
    // In-volume weight sums S, from the same loop over a padded volume of ones.
    const ones = padVolume(g, new Float32Array(V).fill(1), 0, 1);
    const rowSum = new Float64Array(V);
    forEachRow(g, (v0, p0, width) => {
      for (let x = 0; x < width; x++) {
        const row = (base + v0 + x) * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += weights[row + k]! * ones[p0 + x + delta[k]!]!;
        rowSum[v0 + x] = s * inv;
      }
    });
    const q1 = new Float32Array(V);
    for (let v = 0; v < V; v++) {
      const u = base + v;
      q1[v] = clamp(1 / (1 + Math.exp(unaries[2 * u]! - unaries[2 * u + 1]!)), u);
    }
    let qp: Float32Array = padVolume(g, q1, 0, 1);
    let next: Float32Array = new Float32Array(qp.length);
    for (let t = 0; t < iterations; t++) {
      forEachRow(g, (v0, p0, width) => {
        for (let x = 0; x < width; x++) {
          const v = v0 + x;
          const p = p0 + x;
          const row = (base + v) * K;
          let m1 = 0;
          for (let k = 0; k < K; k++) m1 += weights[row + k]! * qp[p + delta[k]!]!;
          m1 *= inv;
          const m0 = rowSum[v]! - m1;
          const u = base + v;
          const l0 = unaries[2 * u]! - (mu[0]! * m0 + mu[1]! * m1);
          const l1 = unaries[2 * u + 1]! - (mu[2]! * m0 + mu[3]! * m1);
          out[2 * u] = l0;
          out[2 * u + 1] = l1;
          next[p] = clamp(1 / (1 + Math.exp(l0 - l1)), u);
        }
      });
      const swap = qp;
      qp = next;
      next = swap;
    }
  }
  if (seeds !== undefined && spec.seedLogit !== undefined) writeSeedLogits(out, seeds, spec.seedLogit);
  return out;
}
