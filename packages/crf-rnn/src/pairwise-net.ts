// The Pairwise-Net of CRF-Net: a small MLP (1×1 convolutions in the paper) mapping the feature
// difference I(x+o) − I(x) and the physical offset o·spacing of a voxel pair to a pairwise weight
// in (0, 1) (a sigmoid, so pre-training can target "same label or not").
import * as tf from '@tensorflow/tfjs-core';
import { type NeighbourRuns, neighbourRuns } from './neighbourhood.js';
import { forEachRow, type PaddedGeometry, padVolume } from './padded.js';
import type { WindowOffsets } from './window.js';

/** Weights of the Pairwise-Net: `kernels[0]` is `[C + S, H1]` (feature rows first), the last is `[Hk, 1]`. */
export interface PairwiseWeights {
  kernels: tf.Tensor[];
  biases: tf.Tensor[];
}

/** Elements allowed in one chunk's hidden activations (bounds memory on large volumes). */
const CHUNK_ELEMENTS = 1 << 23;

/** Logits of the Pairwise-Net for `P` pairs; `input` is `[P, C + S]` (feature difference, then physical offset). */
export function pairwiseLogits(w: PairwiseWeights, input: tf.Tensor): tf.Tensor {
  let h = input;
  for (let i = 0; i < w.kernels.length; i++) {
    h = tf.add(tf.matMul(h, w.kernels[i]!), w.biases[i]!);
    if (i < w.kernels.length - 1) h = tf.relu(h);
  }
  return h;
}

/**
 * Pairwise-Net inputs for offsets `k0..k1−1`: rows ordered (offset, image, voxel), each
 * `[I(x + o) − I(x), o·spacing]` (`C + S` columns; the difference is 0 where x + o is outside,
 * those pairs are skipped by the message). Built in one typed-array pass; the gradient to the
 * image is scattered back in one pass (tfjs slice/concat chains are slow on wasm).
 */
function pairInputs(
  image: tf.Tensor,
  runs: NeighbourRuns,
  window: WindowOffsets,
  spacing: readonly number[],
  k0: number,
  k1: number,
): tf.Tensor {
  const batch = image.shape[0]!;
  const C = image.shape[image.shape.length - 1]!;
  const S = window.rank;
  const V = runs.voxels;
  const cols = C + S;
  const rows = (k1 - k0) * batch * V;
  /** Calls visit(row, voxel, neighbour) for every valid pair; voxel indices are batch-flat. */
  const forEachPair = (visit: (row: number, voxel: number, neighbour: number) => void) => {
    for (let k = k0; k < k1; k++) {
      for (let n = 0; n < batch; n++) {
        const rowBase = ((k - k0) * batch + n) * V;
        for (let r = runs.firstRun[k]!; r < runs.firstRun[k + 1]!; r++) {
          for (let x = runs.start[r]!, e = runs.end[r]!; x < e; x++) visit(rowBase + x, n * V + x, n * V + x + runs.delta[k]!);
        }
      }
    }
  };
  const op = tf.customGrad((img) => {
    const data = (img as tf.Tensor).dataSync() as Float32Array;
    const out = new Float32Array(rows * cols);
    for (let k = k0; k < k1; k++) {
      for (let a = 0; a < S; a++) {
        const value = window.offsets[k * S + a]! * spacing[a]!;
        for (let row = (k - k0) * batch * V; row < (k - k0 + 1) * batch * V; row++) out[row * cols + C + a] = value;
      }
    }
    forEachPair((row, voxel, neighbour) => {
      for (let c = 0; c < C; c++) out[row * cols + c] = data[neighbour * C + c]! - data[voxel * C + c]!;
    });
    return {
      value: tf.tensor2d(out, [rows, cols]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dImage = new Float32Array(batch * V * C);
        forEachPair((row, voxel, neighbour) => {
          for (let c = 0; c < C; c++) {
            dImage[neighbour * C + c]! += g[row * cols + c]!;
            dImage[voxel * C + c]! -= g[row * cols + c]!;
          }
        });
        return tf.tensor(dImage, image.shape);
      },
    };
  });
  return op(image);
}

/**
 * Pairwise weights of every voxel and window offset as chunks `[K_c, N·V]` that concatenate
 * (offset-major) to `[K, N·V]`, as {@link localMessenger} expects. Each chunk is computed in its
 * own tidy scope so large volumes keep only the weights, not the hidden activations (tensors the
 * gradient tape needs are kept by tfjs). Differentiable w.r.t. the Pairwise-Net weights and the image.
 */
export function pairwiseWeightMap(
  w: PairwiseWeights,
  image: tf.Tensor,
  window: WindowOffsets,
  spacing: readonly number[],
): tf.Tensor[] {
  const voxels = image.size / image.shape[image.shape.length - 1]!;
  const runs = neighbourRuns(image.shape.slice(1, -1), window);
  const hidden = Math.max(...w.kernels.map((k) => k.shape[1]!));
  const chunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / (voxels * hidden)));
  const parts: tf.Tensor[] = [];
  for (let k0 = 0; k0 < window.count; k0 += chunk) {
    const k1 = Math.min(window.count, k0 + chunk);
    parts.push(
      tf.tidy(() => tf.reshape(tf.sigmoid(pairwiseLogits(w, pairInputs(image, runs, window, spacing, k0, k1))), [k1 - k0, voxels])),
    );
  }
  return parts;
}

/** The Pairwise-Net tabulated per window offset for one batch of single-channel images. */
export interface PairwiseTable {
  /** `K × (bins + 1)` weights; row k at bin b is the difference −range + 2·range·b/bins. */
  table: Float32Array;
  bins: number;
  /** The images `[N·V]` in bin units, so a pair's table position is a difference plus bins/2. */
  scaled: Float32Array;
}

/**
 * Inference fast path for single-channel images: for each window offset the Pairwise-Net is a
 * function of the intensity difference alone, so it is evaluated once on `bins + 1` differences
 * spanning ±(max − min) of the image; voxel pairs then interpolate it linearly (the error is
 * bounded by the Pairwise-Net's curvature over one bin; tested against the exact path to 1e-3).
 */
export function pairwiseTable(
  w: PairwiseWeights,
  image: tf.Tensor,
  window: WindowOffsets,
  spacing: readonly number[],
  bins: number,
): PairwiseTable {
  const data = image.dataSync() as Float32Array;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = Math.max(hi - lo, 1e-6);
  const S = window.rank;
  const rows = window.count * (bins + 1);
  const input = new Float32Array(rows * (1 + S));
  for (let k = 0; k < window.count; k++) {
    for (let b = 0; b <= bins; b++) {
      const row = k * (bins + 1) + b;
      input[row * (1 + S)] = -range + (2 * range * b) / bins;
      for (let a = 0; a < S; a++) input[row * (1 + S) + 1 + a] = window.offsets[k * S + a]! * spacing[a]!;
    }
  }
  // The tidy returns the tensor, not its data: tf.tidy would walk a returned typed array.
  const tableTensor = tf.tidy(() => tf.sigmoid(pairwiseLogits(w, tf.tensor2d(input, [rows, 1 + S]))));
  const table = tableTensor.dataSync() as Float32Array;
  tableTensor.dispose();
  const scaled = new Float32Array(data.length);
  const toBins = bins / (2 * range);
  for (let i = 0; i < data.length; i++) scaled[i] = (data[i]! - lo) * toBins;
  return { table, bins, scaled };
}

/**
 * Interpolates `t` at every voxel pair: the weights voxel-major, `[N·V·K]`, as a plain array (no
 * gradient). Neighbours outside the volume read the padding (their weight is unused).
 */
export function tabulatedWeightMap(t: PairwiseTable, g: PaddedGeometry, batch: number): Float32Array {
  const { table, bins, scaled } = t;
  const K = g.delta.length;
  const V = scaled.length / batch;
  const out = new Float32Array(batch * V * K);
  const centre = bins / 2;
  for (let n = 0; n < batch; n++) {
    const sp = padVolume(g, scaled, n * V, 1);
    // Offset-major within each image row: one offset's table row (8 KB at 2048 bins) stays in
    // cache while it serves the whole row; voxel by voxel the K rows (600 KB) thrashed it.
    forEachRow(g, (v0, p0, width) => {
      for (let k = 0; k < K; k++) {
        const step = g.delta[k]!;
        const tableRow = k * (bins + 1);
        for (let x = 0; x < width; x++) {
          // Differences of in-range intensities lie in [−bins/2, bins/2]: pos in [0, bins].
          const pos = sp[p0 + x + step]! - scaled[n * V + v0 + x]! + centre;
          const b = Math.min(bins - 1, Math.max(0, Math.floor(pos)));
          const f = pos - b;
          const at = tableRow + b;
          out[(n * V + v0 + x) * K + k] = table[at]! * (1 - f) + table[at + 1]! * f;
        }
      }
    });
  }
  return out;
}
