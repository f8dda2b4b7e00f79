import { ShapeError } from './errors.js';
import type { GridShape } from './grid.js';

/**
 * A box inside a grid: `start` (inclusive) and `size` per axis, in the grid's axis order
 * (`[h, w]` or `[d, h, w]`).
 */
export interface Roi {
  /** First voxel of the box per axis (inclusive). */
  start: readonly number[];
  /** Extent of the box per axis, in voxels. */
  size: readonly number[];
}

/** Checks that `roi` has one integer start/size per axis and lies inside `shape`. */
export function validateRoi(roi: Roi, shape: GridShape, name = 'roi'): Roi {
  const ok =
    roi !== null &&
    typeof roi === 'object' &&
    Array.isArray(roi.start) &&
    Array.isArray(roi.size) &&
    roi.start.length === shape.length &&
    roi.size.length === shape.length;
  if (!ok) throw new ShapeError(`${name} must be { start, size } with ${shape.length} entries each; got ${JSON.stringify(roi)}`);
  for (let a = 0; a < shape.length; a++) {
    const s = roi.start[a]!;
    const n = roi.size[a]!;
    if (!Number.isInteger(s) || !Number.isInteger(n) || s < 0 || n < 1 || s + n > shape[a]!) {
      throw new ShapeError(
        `${name} axis ${a}: start ${s} and size ${n} must be integers with 0 ≤ start, size ≥ 1 and start + size ≤ ${shape[a]}`,
      );
    }
  }
  return { start: [...roi.start], size: [...roi.size] };
}

/** Visits every row of the box along its last axis: `visit(firstIndexInGrid, firstIndexInBox, length)`. */
function forEachRowInBox(shape: GridShape, roi: Roi, visit: (grid: number, box: number, length: number) => void): void {
  const full = shape.length === 2 ? [1, shape[0], shape[1]] : [...shape];
  const start = shape.length === 2 ? [0, ...roi.start] : [...roi.start];
  const size = shape.length === 2 ? [1, ...roi.size] : [...roi.size];
  let box = 0;
  for (let d = 0; d < size[0]!; d++) {
    for (let h = 0; h < size[1]!; h++) {
      visit(((start[0]! + d) * full[1]! + start[1]! + h) * full[2]! + start[2]!, box, size[2]!);
      box += size[2]!;
    }
  }
}

/** Copies the box out of a channels-last grid (`channels` values per voxel). */
export function cropToRoi<T extends Float32Array | Uint8Array>(data: T, shape: GridShape, roi: Roi, channels = 1): T {
  const count = roi.size.reduce((a, b) => a * b, 1);
  const out = new (data.constructor as new (n: number) => T)(count * channels);
  forEachRowInBox(shape, roi, (g, b, n) => out.set(data.subarray(g * channels, (g + n) * channels), b * channels));
  return out;
}

/** Writes box values back into a full-size single-channel grid (in place) and returns it. */
export function pasteFromRoi<T extends Float32Array | Uint8Array>(target: T, shape: GridShape, roi: Roi, values: ArrayLike<number>): T {
  forEachRowInBox(shape, roi, (g, b, n) => {
    if (typeof (values as Partial<T>).subarray === 'function') target.set((values as T).subarray(b, b + n), g);
    else for (let i = 0; i < n; i++) target[g + i] = values[b + i]!;
  });
  return target;
}
