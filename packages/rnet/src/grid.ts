import { ShapeError } from './errors.js';

/**
 * Shape of a 2D image `[H, W]` or a 3D volume `[D, H, W]` (row-major, last axis fastest,
 * the monorepo's axis convention).
 */
export type GridShape = readonly [number, number] | readonly [number, number, number];

/** Voxel spacing in the same axis order as {@link GridShape} (mm or any unit). */
export type Spacing = readonly number[];

/** Checks that `shape` is a 2D or 3D shape of positive integers and returns its voxel count. */
export function shapeSize(shape: readonly number[], name = 'shape'): number {
  if (!Array.isArray(shape) || (shape.length !== 2 && shape.length !== 3)) {
    throw new ShapeError(`${name} must be [H, W] or [D, H, W]; got ${JSON.stringify(shape)}`);
  }
  let size = 1;
  for (const n of shape) {
    if (!Number.isInteger(n) || n < 1) {
      throw new ShapeError(`${name} must contain positive integers; got ${JSON.stringify(shape)}`);
    }
    size *= n;
  }
  return size;
}

/** Checks that an array holds exactly one value per voxel (times `channels`). */
export function checkLength(values: ArrayLike<number>, expected: number, name: string, channels = 1): void {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new ShapeError(`${name} must be an array or typed array; got ${typeof values}`);
  }
  if (values.length !== expected * channels) {
    const per = channels === 1 ? '' : ` (${channels} channels × ${expected} voxels)`;
    throw new ShapeError(`${name} has ${values.length} values; expected ${expected * channels}${per} for the given shape`);
  }
}

/** Returns a validated spacing for `shape` (all ones when omitted). */
export function resolveSpacing(spacing: Spacing | undefined, shape: GridShape, name = 'spacing'): number[] {
  if (spacing === undefined) return shape.map(() => 1);
  if (!Array.isArray(spacing) || spacing.length !== shape.length) {
    throw new ShapeError(`${name} must have ${shape.length} entries (one per axis of shape); got ${JSON.stringify(spacing)}`);
  }
  for (const s of spacing) {
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) {
      throw new ShapeError(`${name} entries must be finite positive numbers; got ${JSON.stringify(spacing)}`);
    }
  }
  return [...spacing];
}

/** Treats a 2D shape as a one-slice volume so loops can be written once for 2D and 3D. */
export function asVolumeShape(shape: GridShape): [number, number, number] {
  return shape.length === 2 ? [1, shape[0], shape[1]] : [shape[0], shape[1], shape[2]];
}

/**
 * Binarises labels or probabilities: a value above 0.5 is foreground. This is the argmax rule
 * for two-class probabilities, and label masks of 0/1 (or 0/255) work unchanged.
 */
export function binarize(values: ArrayLike<number>, size: number, name: string): Uint8Array {
  checkLength(values, size, name);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = values[i]! > 0.5 ? 1 : 0;
  return out;
}
