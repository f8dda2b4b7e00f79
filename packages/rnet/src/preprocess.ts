import { OptionError } from './errors.js';
import type { Roi } from './roi.js';

/** The `p`-th percentile (0–100) of ascending `sorted` values, linearly interpolated; NaN when empty. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const r = (Math.min(Math.max(p, 0), 100) / 100) * (sorted.length - 1);
  const lo = Math.floor(r);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (r - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Z-scores each channel of a channels-last image over its non-zero voxels (a voxel counts when
 * any channel is non-zero), as the networks are trained; zero voxels stay 0. With
 * `clipPercentiles` `[lo, hi]` (the CLI's default recipe uses `[0.5, 99.5]`; a trained
 * network's `config.json` says which it used), each channel is first clipped to those percentiles
 * of its non-zero voxels, so a few extreme voxels (vessels, fat, artefacts) neither dominate the
 * standard deviation nor reach the network as huge values. Returns a new array.
 */
export function zScoreNonZero(data: ArrayLike<number>, channels = 1, clipPercentiles: readonly number[] | null = null): Float32Array {
  if (!Number.isInteger(channels) || channels < 1 || data.length % channels !== 0) {
    throw new OptionError(`zScoreNonZero: ${data.length} values do not split into ${channels} channel(s)`);
  }
  const [clipLo, clipHi] = clipPercentiles ?? [0, 100];
  if (clipPercentiles !== null && !(clipPercentiles.length === 2 && clipLo! >= 0 && clipHi! <= 100 && clipLo! < clipHi!)) {
    throw new OptionError(`zScoreNonZero: clipPercentiles must be [lo, hi] with 0 <= lo < hi <= 100, got ${JSON.stringify(clipPercentiles)}`);
  }
  const n = data.length / channels;
  const mask = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) if (data[i * channels + c] !== 0) mask[i] = 1;
    count += mask[i]!;
  }
  const out = new Float32Array(data.length);
  if (count === 0) return out;
  const values = clipPercentiles === null ? undefined : new Float32Array(count);
  for (let c = 0; c < channels; c++) {
    let lo = Number.NEGATIVE_INFINITY;
    let hi = Number.POSITIVE_INFINITY;
    if (values !== undefined) {
      for (let i = 0, k = 0; i < n; i++) if (mask[i]) values[k++] = data[i * channels + c]!;
      values.sort();
      lo = percentileOfSorted(values, clipLo!);
      hi = percentileOfSorted(values, clipHi!);
    }
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      const v = Math.min(Math.max(data[i * channels + c]!, lo), hi);
      sum += v;
      sq += v * v;
    }
    const mean = sum / count;
    const std = Math.sqrt(Math.max(sq / count - mean * mean, 0)) || 1;
    for (let i = 0; i < n; i++) if (mask[i]) out[i * channels + c] = (Math.min(Math.max(data[i * channels + c]!, lo), hi) - mean) / std;
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
