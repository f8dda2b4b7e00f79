import { OptionError } from './errors.js';

/**
 * How a distance map becomes an R-Net input channel.
 * - `'max'` (default): d / max(d) → [0, 1], 0 at seeds, 1 at the farthest voxel.
 * - `'exp'`: exp(−d / sigma) → (0, 1], 1 at seeds, decaying with distance.
 */
export type DistanceNormalization = 'max' | 'exp';

/**
 * Value of a normalised map when its seed set is empty: every voxel is treated as infinitely
 * far from a seed, i.e. the limit of the normalisation — 1 everywhere for `'max'`, 0 everywhere
 * for `'exp'`. R-Net sees "no information" as "maximally far", never as "near a seed".
 */
export function emptySeedValue(normalization: DistanceNormalization): number {
  return normalization === 'max' ? 1 : 0;
}

/** Normalises a distance map in place (see {@link DistanceNormalization}) and returns it. */
export function normalizeDistance(
  distance: Float32Array,
  hasSeeds: boolean,
  normalization: DistanceNormalization,
  sigma: number,
): Float32Array {
  if (!hasSeeds) return distance.fill(emptySeedValue(normalization));
  if (normalization === 'exp') {
    for (let i = 0; i < distance.length; i++) distance[i] = Math.exp(-distance[i]! / sigma);
    return distance;
  }
  let max = 0;
  for (let i = 0; i < distance.length; i++) if (distance[i]! > max && Number.isFinite(distance[i]!)) max = distance[i]!;
  // All voxels seeded (max 0): every voxel is at distance 0.
  const scale = max > 0 ? 1 / max : 0;
  for (let i = 0; i < distance.length; i++) distance[i] = Math.min(1, distance[i]! * scale);
  return distance;
}

/** Validates a normalisation name. */
export function checkNormalization(value: unknown): DistanceNormalization {
  if (value !== 'max' && value !== 'exp') {
    throw new OptionError(`geodesic.normalization must be 'max' or 'exp'; got ${JSON.stringify(value)}`);
  }
  return value;
}
