import * as tf from '@tensorflow/tfjs-core';
import { onHeap } from './native-conv.js';
import { wasmConvFor } from './wasm-conv.js';
import { heapOutputs, wasmHeapView } from './wasm-heap.js';

/**
 * The gradient through a ReLU from its output `y`: `dy` where `y > 0`, else 0. On the wasm
 * backend with the package's WebAssembly module, one pass on the heap; elsewhere tfjs' step and
 * multiply (two kernels, a temporary, 6 % of a 2D P-Net training step on wasm, measured).
 * Where `y` is NaN, or `y ≤ 0` and `dy` is NaN or infinite, this gives 0 and tfjs NaN; the loss
 * is NaN before either can happen. @internal
 */
export function reluGradient(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const sameShape = dy.rank === y.rank && dy.shape.every((d, i) => d === y.shape[i]);
  if (sameShape && dy.size > 0 && onHeap(dy, y)) {
    // First: attaching the module on its first use allocates on the heap, which may move it.
    const kernel = wasmConvFor(tf.backend())?.reluGradient;
    const view = wasmHeapView();
    if (kernel !== undefined && view !== undefined) {
      const [out] = heapOutputs([dy.shape]);
      kernel(view(out!), view(dy), view(y));
      return out!;
    }
  }
  return tf.tidy(() => tf.mul(dy, tf.step(y)));
}
