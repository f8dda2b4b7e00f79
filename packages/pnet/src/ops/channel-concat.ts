import * as tf from '@tensorflow/tfjs-core';
import { sliceRows } from './slice-rows.js';
import { onHeap } from './native-conv.js';
import { wasmConvFor } from './wasm-conv.js';
import { heapOutputs, wasmHeapView } from './wasm-heap.js';

/**
 * Fewest channels per part for {@link channelConcat}'s heap path without the package's
 * WebAssembly module: one `copyWithin` per voxel and part is cheap for 64-channel parts (the 2D
 * P-Net: ~10× faster than the transposes, which took ~400 ms of a 256² training step) but not for
 * the 3D P-Net's 4-channel parts. The module's strided copy is faster than the transposes for any
 * part (five 4-channel [56, 96, 96] parts: 15 ms against 65 ms, measured).
 */
const HEAP_MIN_CHANNELS = 16;

/**
 * Copies channel blocks between `[voxels, C]` tensors on the wasm heap: part `i` of `parts`
 * (`sizes[i]` channels) is channels `offset_i …` of `whole`, copied into `whole` or (with
 * `toParts`) out of it: one strided copy per part in the package's WebAssembly module, or one
 * `copyWithin` per voxel and part without it (12 of the 123 ms of a 2D P-Net training step of the
 * CLI's size, measured). Only where {@link useHeap}.
 */
function copyChannelBlocks(whole: tf.Tensor, parts: tf.Tensor[], sizes: number[], toParts: boolean): void {
  // First: attaching the module on its first use allocates on the heap, which may move it.
  const copyRows = wasmConvFor(tf.backend())?.copyRows;
  const view = wasmHeapView()!;
  const wholeView = view(whole);
  const stride = whole.shape[whole.rank - 1]!;
  const voxels = whole.size / stride;
  let channel = 0;
  parts.forEach((part, i) => {
    const c = sizes[i]!;
    const partView = view(part);
    if (copyRows !== undefined) {
      const block = wholeView.subarray(channel);
      if (toParts) copyRows(partView, c, block, stride, voxels, c);
      else copyRows(block, stride, partView, c, voxels, c);
    } else {
      const heap = new Float32Array(wholeView.buffer);
      const w0 = wholeView.byteOffset / 4 + channel;
      const p0 = partView.byteOffset / 4;
      for (let v = 0; v < voxels; v++) {
        const w = w0 + v * stride;
        const p = p0 + v * c;
        if (toParts) heap.copyWithin(p, w, w + c);
        else heap.copyWithin(w, p, p + c);
      }
    }
    channel += c;
  });
}

/**
 * Whether every part is a float32 tensor already on the wasm heap (one made on another backend
 * would move there when viewed, which can grow the heap under the views already taken), with
 * the module's copy or enough channels per part.
 */
function useHeap(tensors: tf.Tensor[], sizes: number[]): boolean {
  if (wasmHeapView() === undefined || !onHeap(...tensors)) return false;
  return Math.min(...sizes) >= HEAP_MIN_CHANNELS || wasmConvFor(tf.backend())?.copyRows !== undefined;
}

/**
 * Concatenation along the last (channel) axis with a gradient that takes contiguous channel rows
 * of dy's `[C, voxels]` transpose: tfjs' own concat gradient is a SplitV, which on wasm takes
 * 115–170 ms for a [1, 16³, 20] tensor, and slicing channels of `[voxels, C]` is a per-voxel JS
 * loop there (82 ms for five [48³, 20] slices, measured).
 */
export function channelConcat(tensors: tf.Tensor[]): tf.Tensor {
  const sizes = tensors.map((t) => t.shape[t.rank - 1]!);
  const concat = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const parts = args.slice(0, tensors.length) as tf.Tensor[];
    // Along the last axis tfjs copies one voxel's channels at a time (a JS loop on wasm and cpu);
    // as rows of [C, voxels] transposes it is one block copy per input: 131 → 57 ms for five
    // [294912, 4] tensors on wasm (measured).
    const heap = useHeap(parts, sizes);
    const value = tf.tidy(() => {
      if (heap) {
        // Allocated before the views are taken (allocating may move the heap); every value is written.
        const [out] = heapOutputs([[...parts[0]!.shape.slice(0, -1), sizes.reduce((a, b) => a + b, 0)]]);
        copyChannelBlocks(out!, parts, sizes, false);
        return out!;
      }
      const rows = parts.map((p) => tf.transpose(tf.reshape(p, [-1, p.shape[p.rank - 1]!])));
      return tf.reshape(tf.transpose(tf.concat(rows, 0)), [...parts[0]!.shape.slice(0, -1), -1]);
    });
    // The inverse of the forward's layout trick: channel rows of dy's transpose are contiguous.
    const gradFunc = (dy: tf.Tensor) => {
      if (heap && dy.dtype === 'float32') {
        const grads = heapOutputs(parts.map((part) => part.shape));
        copyChannelBlocks(dy, grads, sizes, true);
        return grads;
      }
      const rows = tf.transpose(tf.reshape(dy, [-1, dy.shape[dy.rank - 1]!]));
      let offset = 0;
      return parts.map((part, i) => {
        const g = tf.reshape(tf.transpose(sliceRows(rows, offset, sizes[i]!)), part.shape);
        offset += sizes[i]!;
        return g;
      });
    };
    return { value, gradFunc };
  });
  return concat(...tensors);
}
