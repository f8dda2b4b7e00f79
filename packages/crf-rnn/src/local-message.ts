// Message passing over a local window with per-voxel, per-offset weights:
//   M[n, x, l] = (1/K) Σ_k W[n, x, k] · Q[n, x + o_k, l]   (neighbours outside the image read 0)
// written as typed-array loops behind tf.customGrad. Weights are kept voxel-major, so each voxel
// reads its K weights contiguously and accumulates its message in registers; Q is zero-padded so
// neighbours need no bounds checks. (A chain of tfjs pad/slice ops would copy the label map once
// per offset and per iteration: slow on wasm.)
import * as tf from '@tensorflow/tfjs-core';
import { forEachVoxel, type PaddedGeometry, padVolume, paddedGeometry } from './padded.js';
import type { WindowOffsets } from './window.js';

function forward(g: PaddedGeometry, batch: number, labels: number, K: number, w: Float32Array, q: Float32Array): Float32Array {
  const V = g.dhw[0] * g.dhw[1] * g.dhw[2];
  const inv = 1 / K;
  const delta = g.delta;
  const out = new Float32Array(batch * V * labels);
  const acc = new Float64Array(labels);
  for (let n = 0; n < batch; n++) {
    const qp = padVolume(g, q, n * V * labels, labels);
    forEachVoxel(g, (v, p) => {
      const row = (n * V + v) * K;
      const o = (n * V + v) * labels;
      if (labels === 2) {
        let a0 = 0;
        let a1 = 0;
        for (let k = 0; k < K; k++) {
          const wk = w[row + k]!;
          const i = 2 * (p + delta[k]!);
          a0 += wk * qp[i]!;
          a1 += wk * qp[i + 1]!;
        }
        out[o] = a0 * inv;
        out[o + 1] = a1 * inv;
        return;
      }
      acc.fill(0);
      for (let k = 0; k < K; k++) {
        const wk = w[row + k]!;
        const i = labels * (p + delta[k]!);
        for (let l = 0; l < labels; l++) acc[l]! += wk * qp[i + l]!;
      }
      for (let l = 0; l < labels; l++) out[o + l] = acc[l]! * inv;
    });
  }
  return out;
}

function backward(
  g: PaddedGeometry,
  batch: number,
  labels: number,
  K: number,
  w: Float32Array,
  q: Float32Array,
  dm: Float32Array,
): [Float32Array, Float32Array] {
  const V = g.dhw[0] * g.dhw[1] * g.dhw[2];
  const inv = 1 / K;
  const delta = g.delta;
  const dw = new Float32Array(w.length);
  const dq = new Float32Array(q.length);
  for (let n = 0; n < batch; n++) {
    const qp = padVolume(g, q, n * V * labels, labels);
    const dqp = new Float32Array(qp.length);
    forEachVoxel(g, (v, p) => {
      const row = (n * V + v) * K;
      const o = (n * V + v) * labels;
      for (let k = 0; k < K; k++) {
        const i = labels * (p + delta[k]!);
        const wk = w[row + k]! * inv;
        let s = 0;
        for (let l = 0; l < labels; l++) {
          s += dm[o + l]! * qp[i + l]!;
          dqp[i + l]! += wk * dm[o + l]!;
        }
        dw[row + k] = s * inv;
      }
    });
    // Gradients that landed in the padding belong to no voxel.
    forEachVoxel(g, (v, p) => {
      for (let l = 0; l < labels; l++) dq[(n * V + v) * labels + l] = dqp[p * labels + l]!;
    });
  }
  return [dw, dq];
}

/** Offset-major `[K, R]` (concatenated chunks) to voxel-major `[R, K]`, or back with `inverse`. */
function transpose(data: Float32Array, K: number, R: number, inverse: boolean): Float32Array {
  const out = new Float32Array(data.length);
  for (let k = 0; k < K; k++) {
    for (let r = 0; r < R; r++) {
      if (inverse) out[k * R + r] = data[r * K + k]!;
      else out[r * K + k] = data[k * R + r]!;
    }
  }
  return out;
}

/**
 * Differentiable local message passing with fixed per-voxel weights. `weights` are either a plain
 * voxel-major `[N·V·K]` array (no gradient; the tabulated inference path) or tensor chunks of
 * shape `[K_c, N·V]` whose concatenation along the first axis is offset-major `[K, N·V]`
 * (V = voxels per image). The returned function maps `q` (`[N, ...spatial, L]`) to the averaged
 * message of the same shape. The weights are read once, on first use, and shared by every call
 * (every mean-field iteration) and every backward pass. Gradients flow to `q` and to every chunk.
 */
export function localMessenger(weights: tf.Tensor[] | Float32Array, window: WindowOffsets): (q: tf.Tensor) => tf.Tensor {
  const K = window.count;
  const weightTensors = weights instanceof Float32Array ? [] : weights;
  let cached: Float32Array | null = weights instanceof Float32Array ? weights : null;
  const weightData = () => {
    if (cached === null) {
      const offsetMajor = new Float32Array(weightTensors.reduce((s, w) => s + w.size, 0));
      let at = 0;
      for (const w of weightTensors) {
        offsetMajor.set(w.dataSync() as Float32Array, at);
        at += w.size;
      }
      cached = transpose(offsetMajor, K, offsetMajor.length / K, false);
    }
    return cached;
  };
  let geometry: PaddedGeometry | null = null;
  return (q: tf.Tensor) => {
    const shape = q.shape;
    const batch = shape[0]!;
    const labels = shape[shape.length - 1]!;
    geometry ??= paddedGeometry(shape.slice(1, -1), window);
    const g = geometry;
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const qt = args[0] as tf.Tensor;
      (args[args.length - 1] as tf.GradSaveFunc)([qt]);
      const value = tf.tensor(forward(g, batch, labels, K, weightData(), qt.dataSync() as Float32Array), shape);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const qData = saved[0]!.dataSync() as Float32Array;
          const [dwVoxelMajor, dq] = backward(g, batch, labels, K, weightData(), qData, dy.dataSync() as Float32Array);
          const dw = transpose(dwVoxelMajor, K, dwVoxelMajor.length / K, true);
          const grads = [tf.tensor(dq, shape)];
          let at = 0;
          for (const w of weightTensors) {
            grads.push(tf.tensor(dw.subarray(at, at + w.size), w.shape));
            at += w.size;
          }
          return grads;
        },
      };
    });
    return op(q, ...weightTensors);
  };
}
