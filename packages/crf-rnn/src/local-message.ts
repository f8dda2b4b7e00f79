// Message passing over a local window with per-voxel, per-offset weights:
//   M[n, x, l] = (1/K) Σ_k W[k, n, x] · Q[n, x + o_k, l]   (neighbours outside the image skipped)
// written as typed-array loops behind tf.customGrad. A chain of tfjs pad/slice ops would copy
// the label map once per offset and per iteration (slow on wasm, see DESIGN.md §4).
import * as tf from '@tensorflow/tfjs-core';
import type { WindowOffsets } from './window.js';

/** Geometry shared by the forward and backward loops. */
interface Geometry {
  batch: number;
  /** Spatial size as `[D, H, W]` (D = 1 in 2D). */
  dhw: [number, number, number];
  labels: number;
  window: WindowOffsets;
}

/**
 * Calls `run(k, start, length, delta)` for every row segment of positions whose neighbour
 * at offset k lies inside the volume; `delta` is the flat index step to that neighbour.
 */
function forEachValidRun(g: Geometry, run: (k: number, start: number, length: number, delta: number) => void): void {
  const [depth, height, width] = g.dhw;
  const { rank, count, offsets } = g.window;
  for (let k = 0; k < count; k++) {
    const dz = rank === 3 ? offsets[k * rank]! : 0;
    const dy = offsets[k * rank + rank - 2]!;
    const dx = offsets[k * rank + rank - 1]!;
    const delta = (dz * height + dy) * width + dx;
    const x0 = Math.max(0, -dx);
    const x1 = Math.min(width, width - dx);
    if (x1 <= x0) continue;
    for (let z = Math.max(0, -dz); z < Math.min(depth, depth - dz); z++) {
      for (let y = Math.max(0, -dy); y < Math.min(height, height - dy); y++) {
        run(k, (z * height + y) * width + x0, x1 - x0, delta);
      }
    }
  }
}

function forward(g: Geometry, w: Float32Array, q: Float32Array): Float32Array {
  const voxels = g.dhw[0] * g.dhw[1] * g.dhw[2];
  const L = g.labels;
  const inv = 1 / g.window.count;
  const out = new Float32Array(g.batch * voxels * L);
  for (let n = 0; n < g.batch; n++) {
    const qBase = n * voxels;
    forEachValidRun(g, (k, start, length, delta) => {
      const wBase = (k * g.batch + n) * voxels;
      for (let x = start; x < start + length; x++) {
        const wx = w[wBase + x]! * inv;
        const o = (qBase + x) * L;
        const s = (qBase + x + delta) * L;
        for (let l = 0; l < L; l++) out[o + l]! += wx * q[s + l]!;
      }
    });
  }
  return out;
}

function backward(g: Geometry, w: Float32Array, q: Float32Array, dm: Float32Array): [Float32Array, Float32Array] {
  const voxels = g.dhw[0] * g.dhw[1] * g.dhw[2];
  const L = g.labels;
  const inv = 1 / g.window.count;
  const dw = new Float32Array(w.length);
  const dq = new Float32Array(q.length);
  for (let n = 0; n < g.batch; n++) {
    const qBase = n * voxels;
    forEachValidRun(g, (k, start, length, delta) => {
      const wBase = (k * g.batch + n) * voxels;
      for (let x = start; x < start + length; x++) {
        const o = (qBase + x) * L;
        const s = (qBase + x + delta) * L;
        const wx = w[wBase + x]! * inv;
        let acc = 0;
        for (let l = 0; l < L; l++) {
          acc += dm[o + l]! * q[s + l]!;
          dq[s + l]! += wx * dm[o + l]!;
        }
        dw[wBase + x] = acc * inv;
      }
    });
  }
  return [dw, dq];
}

/**
 * Differentiable local message passing. `weights` has shape `[K, N, V]` (offset-major, V = number
 * of voxels), `q` has shape `[N, ...spatial, L]`; returns the averaged message of `q`'s shape.
 * Gradients flow to both `weights` and `q`.
 */
export function localMessage(weights: tf.Tensor, q: tf.Tensor, window: WindowOffsets): tf.Tensor {
  const shape = q.shape;
  const spatial = shape.slice(1, -1);
  const g: Geometry = {
    batch: shape[0]!,
    dhw: spatial.length === 3 ? [spatial[0]!, spatial[1]!, spatial[2]!] : [1, spatial[0]!, spatial[1]!],
    labels: shape[shape.length - 1]!,
    window,
  };
  const op = tf.customGrad((wIn, qIn, save) => {
    const wt = wIn as tf.Tensor;
    const qt = qIn as tf.Tensor;
    (save as tf.GradSaveFunc)([wt, qt]);
    const value = tf.tensor(forward(g, wt.dataSync() as Float32Array, qt.dataSync() as Float32Array), shape);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ws, qs] = saved as [tf.Tensor, tf.Tensor];
        const [dw, dq] = backward(
          g,
          ws.dataSync() as Float32Array,
          qs.dataSync() as Float32Array,
          dy.dataSync() as Float32Array,
        );
        return [tf.tensor(dw, ws.shape), tf.tensor(dq, qs.shape)];
      },
    };
  });
  return op(weights, q);
}
