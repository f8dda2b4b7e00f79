/**
 * Preprocessing of loaded images: resampling to a voxel spacing, cropping to the non-zero
 * bounding box and z-score normalisation over non-zero voxels (the BraTS recipe), optionally after
 * clipping each channel to robust percentiles. Canonical
 * orientation is done at load time by `@deepigeos/io-nifti`'s `toCanonical`.
 * @module
 */
import { nonZeroBox as nonZeroRoi, zScoreNonZero as zScoreData } from '@deepigeos/rnet';

export { percentileOfSorted } from '@deepigeos/rnet';
import { ShapeError } from '../errors.js';
import type { ImageVolume } from './volume.js';
import { voxelCount } from './volume.js';

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let a = shape.length - 2; a >= 0; a--) s[a] = s[a + 1]! * shape[a + 1]!;
  return s;
}

/** Inclusive-exclusive box `[start, end)` per axis. */
export interface Box {
  start: number[];
  end: number[];
}

/**
 * Bounding box of voxels where any channel is non-zero, grown by `margin` voxels and clipped to
 * the image. Returns the whole image if it is all zero.
 */
export function nonZeroBox(image: ImageVolume, margin = 0): Box {
  const roi = nonZeroRoi(image.data, image.shape, image.channels, margin);
  return { start: [...roi.start], end: roi.start.map((s, a) => s + roi.size[a]!) };
}

/** Copies a box out of a channels-last array of `shape` × `channels`. */
export function cropArray<T extends Float32Array | Uint8Array>(data: T, shape: readonly number[], channels: number, box: Box): T {
  const outShape = box.end.map((e, a) => e - box.start[a]!);
  const out = new (data.constructor as new (n: number) => T)(voxelCount(outShape) * channels);
  const inStr = stridesOf(shape);
  const rowLen = outShape[outShape.length - 1]! * channels;
  const rows = voxelCount(outShape.slice(0, -1));
  const outerShape = outShape.slice(0, -1);
  const idx = new Array<number>(outerShape.length).fill(0);
  for (let r = 0; r < rows; r++) {
    let src = box.start[shape.length - 1]!;
    for (let a = 0; a < idx.length; a++) src += (idx[a]! + box.start[a]!) * inStr[a]!;
    out.set(data.subarray(src * channels, src * channels + rowLen), r * rowLen);
    for (let a = idx.length - 1; a >= 0; a--) {
      if (++idx[a]! < outerShape[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** Crops an image (and optionally its label) to a box. */
export function cropImage(image: ImageVolume, box: Box): ImageVolume {
  return {
    data: cropArray(image.data, image.shape, image.channels, box),
    shape: box.end.map((e, a) => e - box.start[a]!),
    channels: image.channels,
    spacing: [...image.spacing],
  };
}

/**
 * Z-score normalisation per channel over the voxels where the image is non-zero (any channel);
 * zero voxels stay 0, so the background remains distinguishable after normalisation. With
 * `clipPercentiles` `[lo, hi]`, each channel is first clipped to those percentiles of its
 * non-zero voxels, so a few extreme voxels (vessels, fat, artefacts) neither dominate the
 * standard deviation nor reach the network as huge values.
 */
export function zScoreNonZero(image: ImageVolume, clipPercentiles: readonly number[] | null = null): ImageVolume {
  return { ...image, data: zScoreData(image.data, image.channels, clipPercentiles) };
}

/**
 * Samples a channels-last array at a fractional voxel position with (bi/tri)linear interpolation
 * (`order` 1) or nearest neighbour (`order` 0); positions outside the image read `fill`.
 * `pos` has one coordinate per axis of `shape`; the result is written to `out[outOffset + c]`.
 */
export function sampleAt(
  data: ArrayLike<number>,
  shape: readonly number[],
  strides: readonly number[],
  channels: number,
  pos: readonly number[],
  order: 0 | 1,
  fill: number,
  out: Float32Array | Uint8Array,
  outOffset: number,
): void {
  const rank = shape.length;
  if (order === 0) {
    let idx = 0;
    for (let a = 0; a < rank; a++) {
      const q = Math.round(pos[a]!);
      if (q < 0 || q >= shape[a]!) {
        for (let c = 0; c < channels; c++) out[outOffset + c] = fill;
        return;
      }
      idx += q * strides[a]!;
    }
    for (let c = 0; c < channels; c++) out[outOffset + c] = data[idx * channels + c]!;
    return;
  }
  for (let c = 0; c < channels; c++) out[outOffset + c] = 0;
  const corners = 1 << rank;
  for (let k = 0; k < corners; k++) {
    let w = 1;
    let idx = 0;
    let inside = true;
    for (let a = 0; a < rank; a++) {
      const f = Math.floor(pos[a]!);
      const up = (k >> a) & 1;
      const q = f + up;
      const t = pos[a]! - f;
      w *= up ? t : 1 - t;
      if (q < 0 || q >= shape[a]!) inside = false;
      else idx += q * strides[a]!;
    }
    if (w === 0) continue;
    for (let c = 0; c < channels; c++) out[outOffset + c] += w * (inside ? data[idx * channels + c]! : fill);
  }
}

/**
 * Resamples an image (linear) and its label (nearest) to a new voxel spacing, keeping the
 * physical extent: `newShape[a] = round(shape[a] * spacing[a] / target[a])`.
 */
export function resampleToSpacing(
  image: ImageVolume,
  target: readonly number[],
  label?: Uint8Array,
): { image: ImageVolume; label?: Uint8Array } {
  if (target.length !== image.shape.length || target.some((t) => !(t > 0))) {
    throw new ShapeError(`resample spacing must have ${image.shape.length} positive values, got [${target.join(', ')}]`);
  }
  const newShape = image.shape.map((s, a) => Math.max(1, Math.round((s * image.spacing[a]!) / target[a]!)));
  const r = resampleToShape(image, newShape, label);
  r.image.spacing = [...target];
  return r;
}

/**
 * Resamples an image (linear) and its label (nearest) to a new grid shape covering the same
 * extent (voxel centres map to voxel centres); the spacing scales accordingly.
 */
export function resampleToShape(
  image: ImageVolume,
  newShape: readonly number[],
  label?: Uint8Array,
): { image: ImageVolume; label?: Uint8Array } {
  const scale = newShape.map((s, a) => image.shape[a]! / s);
  const inStr = stridesOf(image.shape);
  const n = voxelCount(newShape);
  const data = new Float32Array(n * image.channels);
  const outLabel = label ? new Uint8Array(n) : undefined;
  const outStr = stridesOf(newShape);
  const pos = new Array<number>(newShape.length);
  for (let i = 0; i < n; i++) {
    let r = i;
    for (let a = 0; a < newShape.length; a++) {
      const q = Math.floor(r / outStr[a]!);
      r -= q * outStr[a]!;
      // Voxel centres map to voxel centres: (q + 0.5) * scale - 0.5, clamped to stay inside.
      pos[a] = Math.min(Math.max((q + 0.5) * scale[a]! - 0.5, 0), image.shape[a]! - 1);
    }
    sampleAt(image.data, image.shape, inStr, image.channels, pos, 1, 0, data, i * image.channels);
    if (label && outLabel) sampleAt(label, image.shape, inStr, 1, pos, 0, 0, outLabel, i);
  }
  const result: { image: ImageVolume; label?: Uint8Array } = {
    image: { data, shape: [...newShape], channels: image.channels, spacing: image.spacing.map((sp, a) => sp * scale[a]!) },
  };
  if (outLabel) result.label = outLabel;
  return result;
}
