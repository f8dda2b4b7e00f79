// Orthogonal slices of a [D, H, W] volume for display. In each view the vertical
// axis is flipped so that increasing d (superior in canonical RAS) or h (anterior) points up.

import { ViewerInputError } from './errors.js';

/** The three orthogonal views: fixed d (axial), fixed h (coronal), fixed w (sagittal). */
export type Plane = 'axial' | 'coronal' | 'sagittal';

/** All planes, in display order. */
export const PLANES: readonly Plane[] = ['axial', 'coronal', 'sagittal'];

/** `[D, H, W]`. */
export type VolumeShape = readonly [number, number, number];

/** Pixel grid of one view and the physical size of its pixels (for the display aspect ratio). */
export interface SliceGeometry {
  /** Number of slices along the plane's normal axis. */
  depth: number;
  width: number;
  height: number;
  /** Physical pixel size (spacing of the column and row axes). */
  pixelWidth: number;
  pixelHeight: number;
}

// For each plane: the fixed axis, the axis along columns, the axis along rows (flipped).
const AXES: Record<Plane, readonly [number, number, number]> = {
  axial: [0, 2, 1],
  coronal: [1, 2, 0],
  sagittal: [2, 1, 0],
};

function planeAxes(plane: Plane): readonly [number, number, number] {
  const axes = AXES[plane];
  if (axes === undefined) throw new ViewerInputError(`plane must be one of ${PLANES.join(', ')}; got ${JSON.stringify(plane)}`);
  return axes;
}

/** Size and pixel spacing of `plane`'s slices of a volume with `spacing` = `[sz, sy, sx]`. */
export function sliceGeometry(shape: VolumeShape, spacing: readonly number[], plane: Plane): SliceGeometry {
  const [fixed, col, row] = planeAxes(plane);
  return {
    depth: shape[fixed]!,
    width: shape[col]!,
    height: shape[row]!,
    pixelWidth: spacing[col]!,
    pixelHeight: spacing[row]!,
  };
}

/** `[d, h, w]` of pixel (`col`, `row`) of slice `slice` of `plane`. */
export function sliceToVoxel(shape: VolumeShape, plane: Plane, slice: number, col: number, row: number): [number, number, number] {
  const [fixed, colAxis, rowAxis] = planeAxes(plane);
  const voxel: [number, number, number] = [0, 0, 0];
  voxel[fixed] = slice;
  voxel[colAxis] = col;
  voxel[rowAxis] = shape[rowAxis]! - 1 - row;
  return voxel;
}

/** Where voxel `[d, h, w]` appears in `plane`'s views: its slice and pixel (inverse of {@link sliceToVoxel}). */
export function voxelToSlice(shape: VolumeShape, plane: Plane, voxel: readonly [number, number, number]): { slice: number; col: number; row: number } {
  const [fixed, colAxis, rowAxis] = planeAxes(plane);
  return { slice: voxel[fixed]!, col: voxel[colAxis]!, row: shape[rowAxis]! - 1 - voxel[rowAxis]! };
}

function checkSlice(shape: VolumeShape, plane: Plane, slice: number): void {
  const depth = shape[planeAxes(plane)[0]]!;
  if (!Number.isInteger(slice) || slice < 0 || slice >= depth) {
    throw new ViewerInputError(`${plane} slice must be an integer in [0, ${depth - 1}]; got ${slice}`);
  }
}

/**
 * Copies slice `slice` of `plane` into a row-major `[height, width]` array of the same type.
 * @throws ViewerInputError if the data length does not match the shape or the slice is out of range.
 */
export function extractSlice<T extends Float32Array | Uint8Array>(data: T, shape: VolumeShape, plane: Plane, slice: number): T {
  if (data.length !== shape[0] * shape[1] * shape[2]) {
    throw new ViewerInputError(`volume data has ${data.length} values; shape ${JSON.stringify(shape)} needs ${shape[0] * shape[1] * shape[2]}`);
  }
  checkSlice(shape, plane, slice);
  const [fixed, colAxis, rowAxis] = planeAxes(plane);
  const strides = [shape[1] * shape[2], shape[2], 1];
  const width = shape[colAxis]!;
  const height = shape[rowAxis]!;
  const out = new (data.constructor as new (n: number) => T)(width * height);
  const base = slice * strides[fixed]!;
  const colStride = strides[colAxis]!;
  const rowStride = strides[rowAxis]!;
  for (let row = 0; row < height; row++) {
    const rowBase = base + (height - 1 - row) * rowStride;
    for (let col = 0; col < width; col++) out[row * width + col] = data[rowBase + col * colStride]!;
  }
  return out;
}
