/**
 * The simulated user of the demo and of `evaluate`: the paper's rule (Wang et al. 2019: one click per
 * started 100 voxels of every connected error region of ≥ 30 voxels, `simulateInteractions` of
 * `@deepigeos/rnet`) plus an optional fallback for small structures. On 64×64 slices or small
 * volumes the residual errors are mostly split into regions under 30 voxels, so the paper's user
 * almost never clicks; with `minClicks` the user then clicks the interior-most voxel of the
 * largest remaining error regions, the way a person clicks the middle of the worst mistake.
 * @module
 */
import { euclideanDistanceTransform, type GridShape, labelComponents, type Rng, simulateInteractions } from '@deepigeos/rnet';

/** Options of {@link simulateUser}. */
export interface SimulatedUserOptions {
  /** Current segmentation (labels or probabilities; above 0.5 = foreground). */
  prediction: ArrayLike<number>;
  /** Reference segmentation (0/1). */
  groundTruth: Uint8Array;
  /** `[H, W]` or `[D, H, W]`. */
  shape: GridShape;
  /** Voxel spacing per axis (for the interior-most voxel); default all 1. */
  spacing?: readonly number[];
  /** Random source of the paper's rule (a seed gives a reproducible user). */
  rng: Rng | number;
  /**
   * Fewest clicks per round while any error remains: when the paper's rule places fewer, one
   * click goes to the interior-most voxel of each largest error region until this many are
   * placed. 0 = the paper's rule alone.
   */
  minClicks: number;
  /**
   * Apply the paper's rule (default true). false = the one-click-at-a-time protocol of the
   * interactive segmentation literature: with `minClicks: 1`, exactly one click per round, at the
   * interior-most voxel of the largest error region.
   */
  paperRule?: boolean;
}

/** What the simulated user did in one round. */
export interface SimulatedClicks {
  /** Foreground seed mask (clicks in missed regions). */
  fgSeeds: Uint8Array;
  /** Background seed mask (clicks in leaks). */
  bgSeeds: Uint8Array;
  /** Clicks placed by the `minClicks` fallback (0 when the paper's rule placed enough). */
  fallbackClicks: number;
  /** Voxels where prediction and reference disagree. */
  errorVoxels: number;
}

const sum = (m: Uint8Array) => m.reduce((a, b) => a + b, 0);

/**
 * The voxel of `region` farthest from any voxel outside it, counting the space beyond the image
 * border as outside (ties: the lowest index), i.e. the centre of the region's largest inscribed ball.
 */
export function interiorMostVoxel(region: Int32Array, size: number, shape: GridShape, spacing: readonly number[]): number {
  const outside = new Uint8Array(size).fill(1);
  for (const v of region) outside[v] = 0;
  const inside = euclideanDistanceTransform(outside, shape, spacing);
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  // Distance to the first voxel beyond the border, per axis.
  const depth = (v: number) =>
    shape.reduce((m, d, a) => {
      const i = Math.floor(v / strides[a]!) % d;
      return Math.min(m, Math.min(i + 1, d - i) * spacing[a]!);
    }, inside[v]!);
  let best = region[0]!;
  let bestDepth = depth(best);
  for (const v of region) {
    const dv = depth(v);
    if (dv > bestDepth || (dv === bestDepth && v < best)) [best, bestDepth] = [v, dv];
  }
  return best;
}

/**
 * One round of the simulated user: the paper's clicks, then (if fewer than `minClicks` were
 * placed and errors remain) one click at the interior-most voxel of each of the largest
 * unclicked error regions, largest first. Deterministic for a given `rng` seed.
 */
export function simulateUser(options: SimulatedUserOptions): SimulatedClicks {
  const { shape, groundTruth: truth } = options;
  const size = truth.length;
  const spacing = options.spacing ?? shape.map(() => 1);
  const { fgSeeds, bgSeeds } =
    options.paperRule === false
      ? { fgSeeds: new Uint8Array(size), bgSeeds: new Uint8Array(size) }
      : simulateInteractions({ prediction: options.prediction, groundTruth: truth, shape, rng: options.rng });
  const pred = Uint8Array.from({ length: size }, (_, i) => (options.prediction[i]! > 0.5 ? 1 : 0));
  let errorVoxels = 0;
  for (let i = 0; i < size; i++) errorVoxels += pred[i] !== truth[i] ? 1 : 0;
  let missing = options.minClicks - sum(fgSeeds) - sum(bgSeeds);
  let fallbackClicks = 0;
  if (missing > 0 && errorVoxels > 0) {
    const regions: { voxels: Int32Array; seeds: Uint8Array }[] = [];
    for (const [seeds, wrong] of [
      [fgSeeds, (i: number) => truth[i] === 1 && pred[i] === 0],
      [bgSeeds, (i: number) => truth[i] === 0 && pred[i] === 1],
    ] as const) {
      const errors = Uint8Array.from({ length: size }, (_, i) => (wrong(i) ? 1 : 0));
      for (const voxels of labelComponents(errors, shape).voxels) if (!voxels.some((v) => seeds[v] === 1)) regions.push({ voxels, seeds });
    }
    // Largest first; equal sizes keep scan order (missed regions before leaks), so the user is deterministic.
    regions.sort((a, b) => b.voxels.length - a.voxels.length);
    for (const r of regions) {
      if (missing <= 0) break;
      r.seeds[interiorMostVoxel(r.voxels, size, shape, spacing)] = 1;
      missing--;
      fallbackClicks++;
    }
  }
  return { fgSeeds, bgSeeds, fallbackClicks, errorVoxels };
}
