/**
 * Harder first rounds for R-Net training. P-Net is applied to the very cases it was trained on, so
 * the errors R-Net learns to fix in round 1 are thin and few; on new scans P-Net shifts stretches
 * of the boundary and misses or adds whole regions, and an R-Net that has only seen thin errors
 * fixes a few voxels around each click. Perturbing P-Net's probability in some training samples
 * shows R-Net errors of that size, with the simulated clicks inside them.
 * @module
 */
import { randomDisplacementField, resampleAffine } from '../data/augment.js';
import { stridesOf } from '../data/preprocess.js';
import type { Rng } from '../rng.js';

/** Control points per axis of the warp: a few bends across a training patch. */
const WARP_GRID = 4;

/** Default largest std of the warp, in voxels (`perturbSigma`). */
export const DEFAULT_PERTURB_SIGMA = 4;

/**
 * Warps a probability map (one value per voxel of `shape`) by a smooth random displacement whose
 * std is drawn uniformly from [0, `maxSigma`] voxels; linear interpolation; beyond the border,
 * the edge's values (a foreground that reaches the patch edge stays there).
 */
export function warpProbability(probability: Float32Array, shape: readonly number[], rng: Rng, maxSigma: number): Float32Array {
  const field = randomDisplacementField(rng, shape.length, WARP_GRID, rng.uniform(0, maxSigma));
  const image = { data: probability, shape: [...shape], spacing: shape.map(() => 1), channels: 1 };
  // resampleAffine also resamples a label; an empty one costs one nearest-neighbour read per voxel.
  const noRotation = shape.length === 2 ? [0] : [0, 0, 0];
  return resampleAffine({ image, label: new Uint8Array(probability.length) }, noRotation, 1, field, true).image.data;
}

/**
 * Sets `value` inside a random axis-aligned ellipse (ellipsoid in 3D): centre anywhere in the
 * grid, each semi-axis 15–50 % of that side. Value 0 makes a missed region, 1 a leak. In place.
 */
export function paintEllipsoid(probability: Float32Array, shape: readonly number[], rng: Rng, value: number): void {
  const centre = shape.map((s) => rng.uniform(0, s - 1));
  const radius = shape.map((s) => Math.max(1, rng.uniform(0.15, 0.5) * s));
  const strides = stridesOf(shape);
  for (let i = 0; i < probability.length; i++) {
    let r2 = 0;
    for (let a = 0; a < shape.length; a++) {
      const q = Math.floor(i / strides[a]!) % shape[a]!;
      r2 += ((q - centre[a]!) / radius[a]!) ** 2;
    }
    if (r2 <= 1) probability[i] = value;
  }
}

/**
 * One perturbed first-round input: P-Net's probability warped (see {@link warpProbability}), then
 * in half the cases a random ellipse set to background or foreground (see {@link paintEllipsoid}).
 */
export function perturbProbability(probability: Float32Array, shape: readonly number[], rng: Rng, maxSigma: number): Float32Array {
  const out = warpProbability(probability, shape, rng, maxSigma);
  if (rng.next() < 0.5) paintEllipsoid(out, shape, rng, rng.next() < 0.5 ? 0 : 1);
  return out;
}
