// The Pairwise-Net of CRF-Net: a small MLP (1×1 convolutions in the paper) mapping the feature
// difference I(x+o) − I(x) and the physical offset o·spacing of a voxel pair to a pairwise weight
// in (0, 1) (a sigmoid, so pre-training can target "same label or not").
import * as tf from '@tensorflow/tfjs-core';
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

/** Physical offsets (offset × spacing) of offsets `k0..k1`, each repeated for `voxels` rows: `[(k1−k0)·voxels, S]`. */
function offsetColumns(window: WindowOffsets, spacing: readonly number[], k0: number, k1: number, voxels: number): tf.Tensor {
  const rank = window.rank;
  const data = new Float32Array((k1 - k0) * voxels * rank);
  for (let k = k0; k < k1; k++) {
    for (let a = 0; a < rank; a++) {
      const value = window.offsets[k * rank + a]! * spacing[a]!;
      for (let v = 0; v < voxels; v++) data[((k - k0) * voxels + v) * rank + a] = value;
    }
  }
  return tf.tensor2d(data, [(k1 - k0) * voxels, rank]);
}

/** `image` shifted so that position x holds I(x + o); outside the volume it is 0 (masked later). */
function shifted(padded: tf.Tensor, offset: Int32Array, half: number[], shape: number[]): tf.Tensor {
  const begin = [0, ...Array.from(offset, (o, a) => half[a]! + o), 0];
  return tf.slice(padded, begin, shape);
}

/**
 * Pairwise weights of every voxel and window offset, `[K, N, V]` (offset-major, as
 * `localMessage` expects). Computed in chunks of offsets to bound memory; differentiable with
 * respect to the Pairwise-Net weights and the image.
 */
export function pairwiseWeightMap(
  w: PairwiseWeights,
  image: tf.Tensor,
  window: WindowOffsets,
  spacing: readonly number[],
  windowSize: readonly number[],
): tf.Tensor {
  const shape = image.shape;
  const channels = shape[shape.length - 1]!;
  const voxels = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const half = windowSize.map((s) => (s - 1) / 2);
  const padded = tf.pad(image, [[0, 0], ...half.map((h): [number, number] => [h, h]), [0, 0]]);
  const hidden = Math.max(...w.kernels.map((k) => k.shape[1]!));
  const chunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / (voxels * hidden)));
  const parts: tf.Tensor[] = [];
  for (let k0 = 0; k0 < window.count; k0 += chunk) {
    const k1 = Math.min(window.count, k0 + chunk);
    const diffs: tf.Tensor[] = [];
    for (let k = k0; k < k1; k++) {
      const o = window.offsets.subarray(k * window.rank, (k + 1) * window.rank);
      diffs.push(tf.reshape(tf.sub(shifted(padded, o, half, shape), image), [voxels, channels]));
    }
    const input = tf.concat([...diffs.length === 1 ? diffs : [tf.concat(diffs, 0)], offsetColumns(window, spacing, k0, k1, voxels)], 1);
    parts.push(tf.reshape(tf.sigmoid(pairwiseLogits(w, input)), [k1 - k0, voxels]));
  }
  const all = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
  return tf.reshape(all, [window.count, shape[0]!, voxels / shape[0]!]);
}
