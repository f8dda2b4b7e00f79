import * as tf from '@tensorflow/tfjs-core';
import { wasmHeapView } from './wasm-heap.js';

/**
 * Rows `[from, from + count)` along axis 0, not differentiable. On wasm this copies just those
 * rows: its Slice kernel first copies the whole source tensor out of the wasm heap, so taking 2
 * rows of a [48, 96, 96, 16] tensor costs 7–28 ms there and 0.2 ms here (measured). Other
 * backends use `tf.slice`. @internal
 */
export function sliceRows<T extends tf.Tensor>(x: T, from: number, count: number): T {
  const view = wasmHeapView();
  if (view !== undefined && x.dtype === 'float32') {
    const rowSize = x.size / x.shape[0]!;
    // slice() copies into JS memory before tf.tensor allocates (which may move the heap).
    const values = view(x).slice(from * rowSize, (from + count) * rowSize);
    return tf.tensor(values, [count, ...x.shape.slice(1)], 'float32') as T;
  }
  return tf.slice(x, from, count) as T;
}
