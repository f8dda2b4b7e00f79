import * as tf from '@tensorflow/tfjs-core';
import { wasmHeapView } from './wasm-heap.js';

/** Tap offsets `[dy, dx]` of a kernel. */
export type TapOffsets = readonly (readonly [number, number])[];

/**
 * The input of a convolution seen through its kernel taps ("im2col", channel-major), served in
 * runs of image rows: for `x` `[N, H, W, C]`, {@link ShiftedColumns.rows}`(from, count)` is
 * `[taps · C, count · W]` for the image rows `from … from + count − 1` of the N·H rows, whose row
 * `t · C + c` is channel `c` of `x` shifted by tap `t` (`x[n, i + dy, j + dx, c]`, zero outside
 * the image). With `ones`, a last row of ones follows (its product with dy is the bias gradient).
 * A filter gradient is then a sum of matrix products with the matching rows of dy. Not differentiable; dispose it when done. On wasm the rows are copied heap to heap (its Slice
 * kernel copies the whole source tensor per call); other backends pad, slice and concatenate
 * once. @internal
 */
export class ShiftedColumns {
  private readonly channelMajor: tf.Tensor4D; // [C, N, H, W]: each (c, n) plane contiguous

  constructor(
    private readonly x: tf.Tensor4D,
    private readonly offsets: TapOffsets,
    private readonly ones = false,
  ) {
    if (wasmHeapView() === undefined || x.dtype !== 'float32') throw new Error('ShiftedColumns: needs float32 on the wasm backend');
    this.channelMajor = tf.transpose(x, [3, 0, 1, 2]);
  }

  /** Columns of image rows `[from, from + count)` (rows of all N·H, batch-major). */
  rows(from: number, count: number): tf.Tensor2D {
    const [n, h, w, c] = this.x.shape;
    // A fresh zero tensor (tf.fill is a wasm kernel; tf.zeros builds the zeros in JS, 19 vs
    // 0.7 ms for 37 MB), filled after the last allocation: allocating may move the heap.
    const taps = this.offsets.length * c;
    const out = tf.fill([taps + (this.ones ? 1 : 0), count * w], 0) as tf.Tensor2D;
    const view = wasmHeapView()!;
    const columns = view(out);
    copyShifted(view(this.channelMajor), columns, { n, h, w, c }, this.offsets, from, count);
    if (this.ones) columns.fill(1, taps * count * w);
    return out;
  }

  dispose(): void {
    this.channelMajor.dispose();
  }
}

/**
 * Row copies of {@link ShiftedColumns.rows} from the `[C, N, H, W]` source into the zeroed `out`,
 * both views of the wasm heap. Each run of rows is one `copyWithin` on the heap (no subarray or
 * call per row: rows are 48–256 floats here); a horizontal shift carries `|dx|` values per row
 * across the row ends, which are zeroed afterwards.
 */
function copyShifted(
  src: Float32Array,
  out: Float32Array,
  shape: { n: number; h: number; w: number; c: number },
  offsets: TapOffsets,
  from: number,
  count: number,
): void {
  const { n, h, w, c } = shape;
  const heap = new Float32Array(src.buffer);
  const srcBase = src.byteOffset / 4;
  const outBase = out.byteOffset / 4;
  const width = count * w; // columns of out
  offsets.forEach(([oy, ox], t) => {
    const x0 = Math.max(0, -ox);
    const x1 = Math.min(w, w - ox);
    if (x0 >= x1) return;
    // The run of rows split by batch item: row g is (item ⌊g/h⌋, y = g mod h).
    for (let item = Math.floor(from / h); item * h < from + count && item < n; item++) {
      const g0 = Math.max(from, item * h + Math.max(0, -oy));
      const g1 = Math.min(from + count, item * h + Math.min(h, h - oy));
      if (g0 >= g1) continue;
      for (let ch = 0; ch < c; ch++) {
        const source = srcBase + (ch * n + item) * h * w + (oy - item * h) * w + ox; // + g·w + x
        const target = outBase + (t * c + ch) * width - from * w; // + g·w + x
        // From the first valid value of row g0 to the last of row g1 − 1: reads stay in the plane.
        heap.copyWithin(target + g0 * w + x0, source + g0 * w + x0, source + (g1 - 1) * w + x1);
        if (ox === 0) continue;
        // Zero what crossed the row ends: columns [x1, w) of rows g0…g1−2, or [0, x0) of g0+1…g1−1.
        const [first, last, lo, hi] = ox > 0 ? [g0, g1 - 1, x1, w] : [g0 + 1, g1, 0, x0];
        for (let g = first; g < last; g++) {
          const row = target + g * w;
          for (let x = lo; x < hi; x++) heap[row + x] = 0;
        }
      }
    }
  });
}
