import { GeodesicRangeError, GeodesicTypeError } from './errors.js';

function checkDistance(distance: Float32Array): void {
  if (!(distance instanceof Float32Array)) throw new GeodesicTypeError('distance', 'expected a Float32Array');
}

/**
 * Z-score normalisation of a distance map before the CNN: `(d − mean) / std` with mean and
 * (population) standard deviation taken over the non-seed voxels. Seeds are the voxels at
 * distance 0 (every step costs > 0, so no other voxel is at 0); they come out negative.
 *
 * Conventions: an **empty seed set** (every distance `Infinity`) gives all zeros — "no
 * information", the same value {@link normalizeExp} gives there. A zero standard deviation
 * (e.g. every voxel a seed) divides by 1 instead.
 * @throws GeodesicRangeError if seeds exist but some distance is not finite, or is negative.
 */
export function normalizeZScore(distance: Float32Array): Float32Array {
  checkDistance(distance);
  const out = new Float32Array(distance.length);
  let seeds = 0;
  let infinite = 0;
  let sum = 0;
  for (const d of distance) {
    if (d === 0) seeds++;
    else if (d === Number.POSITIVE_INFINITY) infinite++;
    else if (!(d > 0 && d < Number.POSITIVE_INFINITY)) {
      throw new GeodesicRangeError('distance', `values must be >= 0 or Infinity, found ${d}`);
    } else sum += d;
  }
  if (seeds === 0) {
    if (infinite !== distance.length) {
      throw new GeodesicRangeError('distance', 'has finite values but no seed (distance 0); not a distance map');
    }
    return out; // empty seed set: all zeros
  }
  if (infinite > 0) throw new GeodesicRangeError('distance', `${infinite} voxel(s) are unreachable (Infinity) although seeds exist`);
  const count = distance.length - seeds;
  const mean = count > 0 ? sum / count : 0;
  let squares = 0;
  for (const d of distance) {
    if (d !== 0) squares += (d - mean) * (d - mean);
  }
  const std = count > 0 ? Math.sqrt(squares / count) : 0;
  const scale = std > 0 ? 1 / std : 1;
  for (let i = 0; i < distance.length; i++) out[i] = (distance[i]! - mean) * scale;
  return out;
}

/**
 * Exponential normalisation `exp(−d / σ)`: 1 at the seeds, decaying with distance, 0 where the
 * distance is `Infinity` — so an **empty seed set** gives all zeros (its limit), like
 * {@link normalizeZScore}.
 * @param sigma Decay length in the map's units (> 0).
 * @throws GeodesicRangeError for σ ≤ 0 or a negative/NaN distance.
 */
export function normalizeExp(distance: Float32Array, sigma: number): Float32Array {
  checkDistance(distance);
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
    throw new GeodesicRangeError('sigma', `expected a finite number > 0, got ${String(sigma)}`);
  }
  const out = new Float32Array(distance.length);
  for (let i = 0; i < distance.length; i++) {
    const d = distance[i]!;
    if (!(d >= 0)) throw new GeodesicRangeError('distance', `values must be >= 0 or Infinity, found ${d} at index ${i}`);
    out[i] = Math.exp(-d / sigma);
  }
  return out;
}
