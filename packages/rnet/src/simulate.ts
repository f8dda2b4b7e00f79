import { type Connectivity, labelComponents } from './components.js';
import { OptionError } from './errors.js';
import { asVolumeShape, binarize, type GridShape, shapeSize } from './grid.js';
import { createRng, type Rng } from './rng.js';

/** Options of {@link simulateInteractions}. */
export interface SimulateOptions {
  /** Current segmentation: labels or foreground probabilities (above 0.5 = foreground). */
  prediction: ArrayLike<number>;
  /** Reference segmentation, same layout. */
  groundTruth: ArrayLike<number>;
  /** `[H, W]` or `[D, H, W]`. */
  shape: GridShape;
  /** Random source; a number is used as the seed of {@link createRng}. Default: seed 0. */
  rng?: Rng | number;
  /** `'clicks'` (default): single voxels. `'scribbles'`: short in-plane strokes. */
  mode?: 'clicks' | 'scribbles';
  /** Regions smaller than this get no seed (paper: 30). */
  minRegionSize?: number;
  /** One seed (or stroke) per started block of this many voxels: ⌈N / voxelsPerSeed⌉ (paper: 100). */
  voxelsPerSeed?: number;
  /** Neighbourhood used to split error regions; default `'face'`. 3D grids use 3D components. */
  connectivity?: Connectivity;
  /** Scribble length in voxels (through the start voxel, both directions); default 9. */
  strokeLength?: number;
}

/** One connected error region found by {@link simulateInteractions}. */
export interface SimulatedRegion {
  /** `'under'`: missed object (foreground seeds); `'over'`: leak (background seeds). */
  kind: 'under' | 'over';
  /** Number of voxels N in the region. */
  size: number;
  /** Clicks or strokes placed: 0 if N < minRegionSize, else ⌈N / voxelsPerSeed⌉. */
  seedCount: number;
  /** Flat indices of the seeded voxels (stroke voxels included) inside this region. */
  seedVoxels: Int32Array;
}

/** Output of {@link simulateInteractions}. */
export interface SimulatedInteractions {
  /** Foreground seed mask (1 = seed), placed in under-segmented regions. */
  fgSeeds: Uint8Array;
  /** Background seed mask, placed in over-segmented regions. */
  bgSeeds: Uint8Array;
  /** Every error region, in scan order of its first voxel (under-segmented first). */
  regions: SimulatedRegion[];
}

function positiveOption(value: number | undefined, fallback: number, name: string, integer: boolean): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new OptionError(`${name} must be a positive ${integer ? 'integer' : 'number'}; got ${JSON.stringify(value)}`);
  }
  return v;
}

/** Accepts a random function or a numeric seed (default 0). */
export function resolveRng(rng: Rng | number | undefined): Rng {
  if (typeof rng === 'object' && rng !== null && typeof rng.next === 'function') return rng;
  if (rng === undefined) return createRng(0);
  if (typeof rng !== 'number' || !Number.isFinite(rng)) {
    throw new OptionError(`rng must be an Rng (createRng) or a numeric seed; got ${JSON.stringify(rng)}`);
  }
  return createRng(rng);
}

/** Picks `k` distinct voxels of a region uniformly (partial Fisher–Yates shuffle). */
function sampleVoxels(region: Int32Array, k: number, rng: Rng): Int32Array {
  const pool = region.slice();
  const take = Math.min(k, pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + rng.int(pool.length - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.subarray(0, take);
}

/**
 * Draws a straight stroke through `start` in its own slice (the plane a user draws on), in a
 * random direction, keeping only the voxels that stay inside the region (a stroke stops where
 * it would leave the region).
 */
function strokeVoxels(start: number, labels: Int32Array, label: number, shape: GridShape, length: number, rng: Rng): number[] {
  const [, H, W] = asVolumeShape(shape);
  const w0 = start % W;
  const h0 = Math.floor(start / W) % H;
  const sliceBase = start - (h0 * W + w0);
  const angle = rng.next() * Math.PI;
  const dh = Math.sin(angle);
  const dw = Math.cos(angle);
  const out = [start];
  const half = (length - 1) / 2;
  for (const sign of [1, -1]) {
    for (let t = 1; t <= half; t++) {
      const h = Math.round(h0 + sign * t * dh);
      const w = Math.round(w0 + sign * t * dw);
      if (h < 0 || h >= H || w < 0 || w >= W) break;
      const v = sliceBase + h * W + w;
      if (labels[v] !== label) break;
      out.push(v);
    }
  }
  return out;
}

/**
 * Simulated user (DeepIGeoS, Wang et al. 2019): compares `prediction` with
 * `groundTruth`, splits the under-segmented (missed object) and over-segmented (leak) voxels
 * into connected regions — 3D components on 3D grids — and, for a region of N voxels, places
 * 0 seeds if N < 30, else ⌈N/100⌉ seeds at distinct uniformly random voxels of the region
 * (`mode: 'clicks'`) or as many short straight strokes confined to the region
 * (`mode: 'scribbles'`). Missed regions get foreground seeds, leaks background seeds.
 * With the same `rng` seed the result is identical.
 */
export function simulateInteractions(options: SimulateOptions): SimulatedInteractions {
  const { shape } = options;
  const size = shapeSize(shape);
  const pred = binarize(options.prediction, size, 'prediction');
  const truth = binarize(options.groundTruth, size, 'groundTruth');
  const mode = options.mode ?? 'clicks';
  if (mode !== 'clicks' && mode !== 'scribbles') {
    throw new OptionError(`mode must be 'clicks' or 'scribbles'; got ${JSON.stringify(mode)}`);
  }
  const minRegionSize = positiveOption(options.minRegionSize, 30, 'minRegionSize', true);
  const voxelsPerSeed = positiveOption(options.voxelsPerSeed, 100, 'voxelsPerSeed', false);
  const strokeLength = positiveOption(options.strokeLength, 9, 'strokeLength', true);
  const rng = resolveRng(options.rng);

  const fgSeeds = new Uint8Array(size);
  const bgSeeds = new Uint8Array(size);
  const regions: SimulatedRegion[] = [];
  for (const kind of ['under', 'over'] as const) {
    const errors = new Uint8Array(size);
    for (let i = 0; i < size; i++) errors[i] = kind === 'under' ? truth[i]! & (1 - pred[i]!) : pred[i]! & (1 - truth[i]!);
    const target = kind === 'under' ? fgSeeds : bgSeeds;
    const { labels, voxels } = labelComponents(errors, shape, options.connectivity ?? 'face');
    voxels.forEach((region, k) => {
      const n = region.length;
      const seedCount = n < minRegionSize ? 0 : Math.ceil(n / voxelsPerSeed);
      const starts = sampleVoxels(region, seedCount, rng);
      const placed = new Set<number>();
      for (const s of starts) {
        const stroke = mode === 'clicks' ? [s] : strokeVoxels(s, labels, k + 1, shape, strokeLength, rng);
        for (const v of stroke) placed.add(v);
      }
      for (const v of placed) target[v] = 1;
      regions.push({ kind, size: n, seedCount, seedVoxels: Int32Array.from([...placed].sort((a, b) => a - b)) });
    });
  }
  return { fgSeeds, bgSeeds, regions };
}
