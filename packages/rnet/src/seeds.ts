import { SeedError } from './errors.js';
import { type GridShape, shapeSize } from './grid.js';

/**
 * Seeds as either a mask with one entry per voxel (non-zero = seed) or a list of integer voxel
 * coordinates in the grid's axis order (`[h, w]` in 2D, `[d, h, w]` in 3D).
 */
export type SeedInput = ArrayLike<number> | readonly (readonly number[])[];

function isPointList(seeds: SeedInput): seeds is readonly (readonly number[])[] {
  return Array.isArray(seeds) && (seeds.length === 0 || Array.isArray(seeds[0]));
}

/**
 * Converts seeds given as points or as a mask into a `Uint8Array` mask (1 = seed), checking
 * that every point has one integer coordinate per axis inside the grid. Throws {@link SeedError}
 * naming `name` otherwise. An empty list gives an empty mask.
 */
export function toSeedMask(seeds: SeedInput, shape: GridShape, name = 'seeds'): Uint8Array {
  const size = shapeSize(shape);
  if (seeds === null || typeof seeds !== 'object') {
    throw new SeedError(`${name} must be a mask (one value per voxel) or a list of [${shape.length === 2 ? 'h, w' : 'd, h, w'}] points; got ${seeds}`);
  }
  const mask = new Uint8Array(size);
  if (!isPointList(seeds)) {
    if (seeds.length !== size) {
      throw new SeedError(`${name} as a mask must have ${size} values (one per voxel of shape ${JSON.stringify(shape)}); got ${seeds.length}`);
    }
    const values = seeds as ArrayLike<number>;
    for (let i = 0; i < size; i++) mask[i] = values[i] ? 1 : 0;
    return mask;
  }
  seeds.forEach((point, k) => {
    if (!Array.isArray(point) || point.length !== shape.length) {
      throw new SeedError(`${name}[${k}] must be a point with ${shape.length} coordinates; got ${JSON.stringify(point)}`);
    }
    let flat = 0;
    for (let axis = 0; axis < shape.length; axis++) {
      const c = point[axis]!;
      if (!Number.isInteger(c) || c < 0 || c >= shape[axis]!) {
        throw new SeedError(
          `${name}[${k}] = ${JSON.stringify(point)} lies outside the volume: coordinate ${axis} must be an integer in [0, ${shape[axis]! - 1}]`,
        );
      }
      flat = flat * shape[axis]! + c;
    }
    mask[flat] = 1;
  });
  return mask;
}

/** Number of seed voxels in a mask. */
export function countSeeds(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i] !== 0 ? 1 : 0;
  return n;
}
