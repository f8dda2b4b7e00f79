// Message passing over a local window with per-voxel, per-offset weights:
//   M[n, x, l] = (1/K) Σ_k W[k, n, x] · Q[n, x + o_k, l]   (neighbours outside the image skipped)
// written as typed-array loops behind tf.customGrad. A chain of tfjs pad/slice ops would copy
// the label map once per offset and per iteration (slow on wasm, see DESIGN.md §4).
import * as tf from '@tensorflow/tfjs-core';
import { type NeighbourRuns, neighbourRuns } from './neighbourhood.js';
import type { WindowOffsets } from './window.js';

/** Visits runs block by block (all offsets of a row block before the next) so the output stays in cache. */
function forEachBlockRun(runs: NeighbourRuns, count: number, visit: (k: number, r: number) => void): void {
  for (let b = 0; b < runs.blocks; b++) {
    for (let k = 0; k < count; k++) {
      for (let r = runs.blockRun[k * runs.blocks + b]!, e = runs.blockRun[k * runs.blocks + b + 1]!; r < e; r++) visit(k, r);
    }
  }
}

function forward(runs: NeighbourRuns, batch: number, labels: number, count: number, w: Float32Array, q: Float32Array): Float32Array {
  const V = runs.voxels;
  const inv = 1 / count;
  const out = new Float32Array(batch * V * labels);
  for (let n = 0; n < batch; n++) {
    forEachBlockRun(runs, count, (k, r) => {
      const wBase = (k * batch + n) * V;
      const shift = runs.delta[k]! * labels;
      const end = runs.end[r]!;
      if (labels === 2) {
        for (let x = runs.start[r]!, o = (n * V + x) * 2; x < end; x++, o += 2) {
          const wx = w[wBase + x]! * inv;
          out[o] += wx * q[o + shift]!;
          out[o + 1] += wx * q[o + shift + 1]!;
        }
        return;
      }
      for (let x = runs.start[r]!; x < end; x++) {
        const wx = w[wBase + x]! * inv;
        const o = (n * V + x) * labels;
        for (let l = 0; l < labels; l++) out[o + l]! += wx * q[o + shift + l]!;
      }
    });
  }
  return out;
}

function backward(
  runs: NeighbourRuns,
  batch: number,
  labels: number,
  count: number,
  w: Float32Array,
  q: Float32Array,
  dm: Float32Array,
): [Float32Array, Float32Array] {
  const V = runs.voxels;
  const inv = 1 / count;
  const dw = new Float32Array(w.length);
  const dq = new Float32Array(q.length);
  for (let n = 0; n < batch; n++) {
    forEachBlockRun(runs, count, (k, r) => {
      const wBase = (k * batch + n) * V;
      const shift = runs.delta[k]! * labels;
      for (let x = runs.start[r]!, e = runs.end[r]!; x < e; x++) {
        const o = (n * V + x) * labels;
        const wx = w[wBase + x]! * inv;
        let acc = 0;
        for (let l = 0; l < labels; l++) {
          acc += dm[o + l]! * q[o + shift + l]!;
          dq[o + shift + l]! += wx * dm[o + l]!;
        }
        dw[wBase + x] = acc * inv;
      }
    });
  }
  return [dw, dq];
}

/**
 * Differentiable local message passing with fixed per-voxel weights. `weights` are a plain
 * `[K·N·V]` array (no gradient) or chunks of
 * shape `[K_c, N·V]` whose concatenation along the first axis is `[K, N·V]` (offset-major,
 * V = voxels per image); the returned function maps `q` (`[N, ...spatial, L]`) to the averaged
 * message of the same shape. The weights are read into one typed array once, on first use, and
 * shared by every call (every mean-field iteration) and every backward pass. Gradients flow to
 * `q` and to every weight chunk.
 */
export function localMessenger(weights: tf.Tensor[] | Float32Array, window: WindowOffsets): (q: tf.Tensor) => tf.Tensor {
  // Plain arrays (the tabulated inference path) carry no gradient: only q is an op input.
  let cached: Float32Array | null = weights instanceof Float32Array ? weights : null;
  const weightTensors = weights instanceof Float32Array ? [] : weights;
  const weightData = () => {
    if (cached === null) {
      cached = new Float32Array(weightTensors.reduce((s, w) => s + w.size, 0));
      let at = 0;
      for (const w of weightTensors) {
        cached.set(w.dataSync() as Float32Array, at);
        at += w.size;
      }
    }
    return cached;
  };
  let runs: NeighbourRuns | null = null;
  return (q: tf.Tensor) => {
    const shape = q.shape;
    const batch = shape[0]!;
    const labels = shape[shape.length - 1]!;
    runs ??= neighbourRuns(shape.slice(1, -1), window);
    const geometry = runs;
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const qt = args[0] as tf.Tensor;
      (args[args.length - 1] as tf.GradSaveFunc)([qt]);
      const value = tf.tensor(forward(geometry, batch, labels, window.count, weightData(), qt.dataSync() as Float32Array), shape);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const qData = saved[0]!.dataSync() as Float32Array;
          const [dw, dq] = backward(geometry, batch, labels, window.count, weightData(), qData, dy.dataSync() as Float32Array);
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
