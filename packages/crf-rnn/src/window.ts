// Neighbourhood windows of CRF-Net: the offsets a voxel exchanges messages with.
import { ArgumentError } from './errors.js';

/** A set of neighbour offsets in `[D,] H, W` order (spatial rank 2 or 3), centre excluded. */
export interface WindowOffsets {
  /** Spatial rank (2 or 3). */
  readonly rank: number;
  /** Number of offsets. */
  readonly count: number;
  /** `count × rank` integer offsets, offset-major. */
  readonly offsets: Int32Array;
}

/**
 * All offsets of an odd-sized window except the centre, e.g. `[5, 5]` gives the 24 neighbours of
 * a 5×5 patch and `[3, 5, 5]` the 74 of a 3×5×5 patch (depth first, as the tensors are `[D,H,W]`).
 * @throws {@link ArgumentError} if a size is not an odd integer >= 1 or the window has no neighbours
 */
export function windowOffsets(size: readonly number[]): WindowOffsets {
  for (const [axis, s] of size.entries()) {
    if (!(Number.isInteger(s) && s >= 1 && s % 2 === 1)) {
      throw new ArgumentError(`window[${axis}] must be an odd integer >= 1, got ${s}`);
    }
  }
  const total = size.reduce((a, b) => a * b, 1);
  if (total < 2) throw new ArgumentError(`window ${JSON.stringify(size)} has no neighbours besides the centre`);
  const rank = size.length;
  const offsets = new Int32Array((total - 1) * rank);
  let k = 0;
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    const o = new Array<number>(rank);
    for (let a = rank - 1; a >= 0; a--) {
      o[a] = (rest % size[a]!) - (size[a]! - 1) / 2;
      rest = Math.floor(rest / size[a]!);
    }
    if (o.every((v) => v === 0)) continue;
    offsets.set(o, k * rank);
    k++;
  }
  return { rank, count: total - 1, offsets };
}
