import { OptionError } from './errors.js';
import type { Roi } from './roi.js';

/**
 * Z-scores each channel of a channels-last image over its non-zero voxels (a voxel counts when
 * any channel is non-zero), as the bundled networks were trained; zero voxels stay 0. Returns
 * a new array.
 */
export function zScoreNonZero(data: ArrayLike<number>, channels = 1): Float32Array {
  if (!Number.isInteger(channels) || channels < 1 || data.length % channels !== 0) {
    throw new OptionError(`zScoreNonZero: ${data.length} values do not split into ${channels} channel(s)`);
  }
  const n = data.length / channels;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) if (data[i * channels + c] !== 0) mask[i] = 1;
  const out = new Float32Array(data.length);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let sq = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      const v = data[i * channels + c]!;
      sum += v;
      sq += v * v;
      count++;
    }
    if (count === 0) continue;
    const mean = sum / count;
    const std = Math.sqrt(Math.max(sq / count - mean * mean, 0)) || 1;
    for (let i = 0; i < n; i++) if (mask[i]) out[i * channels + c] = (data[i * channels + c]! - mean) / std;
  }
  return out;
}

/**
 * The bounding box of the voxels with any non-zero channel, grown by `margin` per side and
 * clipped to the grid (the crop the bundled networks were trained on); the whole grid when
 * every voxel is zero.
 */
export function nonZeroBox(data: ArrayLike<number>, shape: readonly number[], channels = 1, margin = 0): Roi {
  const rank = shape.length;
  const start = [...shape];
  const end = shape.map(() => 0);
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  const n = strides[0]! * shape[0]!;
  if (data.length !== n * channels) throw new OptionError(`nonZeroBox: ${data.length} values, shape [${shape}] × ${channels} channel(s) needs ${n * channels}`);
  for (let i = 0; i < n; i++) {
    let nz = false;
    for (let c = 0; c < channels; c++) if (data[i * channels + c] !== 0) nz = true;
    if (!nz) continue;
    let r = i;
    for (let a = 0; a < rank; a++) {
      const q = Math.floor(r / strides[a]!);
      r -= q * strides[a]!;
      if (q < start[a]!) start[a] = q;
      if (q + 1 > end[a]!) end[a] = q + 1;
    }
  }
  if (end.every((e) => e === 0)) return { start: shape.map(() => 0), size: [...shape] };
  const lo = start.map((s) => Math.max(0, s - margin));
  return { start: lo, size: end.map((e, a) => Math.min(shape[a]!, e + margin) - lo[a]!) };
}
