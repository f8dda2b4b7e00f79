import * as tf from '@tensorflow/tfjs-core';

/** The wasm backend's view of a tensor's memory (it has no typings in tfjs-core). */
type HeapBackend = { typedArrayFromHeap?: (t: tf.Tensor) => Float32Array };

/**
 * On the wasm backend, a function giving a float32 tensor's memory as a view of the wasm heap
 * (for copies that its kernels do slowly); undefined on other backends. Views are valid until the
 * next allocation, which may move the heap. @internal
 */
export function wasmHeapView(): ((t: tf.Tensor) => Float32Array) | undefined {
  const backend = tf.backend() as unknown as HeapBackend;
  const view = backend.typedArrayFromHeap;
  return typeof view === 'function' ? (t) => view.call(backend, t) : undefined;
}

/** The wasm backend's allocator of kernel outputs (no typings in tfjs-core). */
type OutputBackend = { makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo };

/**
 * Uninitialised float32 tensors allocated on the wasm heap by the wasm backend (the active
 * backend must be wasm), for code that fills them in place. Take heap views only after
 * allocating: allocation may move the heap. @internal
 */
export function heapOutputs(shapes: number[][]): tf.Tensor[] {
  const backend = tf.backend() as unknown as OutputBackend;
  return shapes.map((shape) => tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, 'float32')));
}
