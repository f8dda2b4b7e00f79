import { euclideanDistanceTransform } from './edt.js';
import { OptionError } from './errors.js';
import { asVolumeShape, binarize, type GridShape, resolveSpacing, type Spacing, shapeSize } from './grid.js';

/** Overlap and surface-distance scores of a segmentation against a reference. */
export interface SegmentationMetrics {
  /** Dice coefficient 2|A∩B| / (|A| + |B|); 1 when both masks are empty. */
  dice: number;
  /** Intersection over union |A∩B| / |A∪B|; 1 when both masks are empty. */
  iou: number;
  /** Average symmetric surface distance in spacing units (see {@link surfaceDistances}). */
  assd: number;
  /** 95th-percentile Hausdorff distance in spacing units (see {@link hausdorff95}; pooled by default). */
  hd95: number;
}

function overlap(a: ArrayLike<number>, b: ArrayLike<number>, shape: GridShape): { inter: number; sumA: number; sumB: number } {
  const size = shapeSize(shape);
  const ma = binarize(a, size, 'prediction');
  const mb = binarize(b, size, 'groundTruth');
  let inter = 0;
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < size; i++) {
    sumA += ma[i]!;
    sumB += mb[i]!;
    inter += ma[i]! & mb[i]!;
  }
  return { inter, sumA, sumB };
}

/**
 * Dice coefficient of two masks (values above 0.5 are foreground). Both empty → 1 (perfect
 * agreement on "nothing there"); one empty → 0.
 */
export function dice(prediction: ArrayLike<number>, groundTruth: ArrayLike<number>, shape: GridShape): number {
  return diceFrom(overlap(prediction, groundTruth, shape));
}

function diceFrom({ inter, sumA, sumB }: { inter: number; sumA: number; sumB: number }): number {
  return sumA + sumB === 0 ? 1 : (2 * inter) / (sumA + sumB);
}

function iouFrom({ inter, sumA, sumB }: { inter: number; sumA: number; sumB: number }): number {
  const union = sumA + sumB - inter;
  return union === 0 ? 1 : inter / union;
}

/** Intersection over union (Jaccard index) of two masks; both empty → 1. */
export function iou(prediction: ArrayLike<number>, groundTruth: ArrayLike<number>, shape: GridShape): number {
  return iouFrom(overlap(prediction, groundTruth, shape));
}

/**
 * Surface voxels of a mask: foreground voxels with at least one face neighbour (4 in 2D, 6 in
 * 3D) that is background or outside the grid — the mask minus its erosion with border value 0,
 * the definition used by medpy and most challenge evaluation scripts.
 */
export function surfaceMask(mask: Uint8Array, shape: GridShape): Uint8Array {
  const [D, H, W] = asVolumeShape(shape);
  const out = new Uint8Array(mask.length);
  const is3d = shape.length === 3;
  for (let d = 0; d < D; d++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        const i = (d * H + h) * W + w;
        if (mask[i] === 0) continue;
        const onEdge = w === 0 || w === W - 1 || h === 0 || h === H - 1 || (is3d && (d === 0 || d === D - 1));
        const touchesBackground =
          onEdge ||
          mask[i - 1] === 0 ||
          mask[i + 1] === 0 ||
          mask[i - W] === 0 ||
          mask[i + W] === 0 ||
          (is3d && (mask[i - H * W] === 0 || mask[i + H * W] === 0));
        if (touchesBackground) out[i] = 1;
      }
    }
  }
  return out;
}

/**
 * Directed surface distances both ways: for every surface voxel of `prediction`, the exact
 * Euclidean distance (with `spacing`) to the nearest surface voxel of `groundTruth`, and vice
 * versa. Uses an exact distance transform, never a chamfer scan. Empty arrays for an empty mask;
 * distances are `Infinity` when the other mask is empty.
 */
export function surfaceDistances(
  prediction: ArrayLike<number>,
  groundTruth: ArrayLike<number>,
  shape: GridShape,
  spacing?: Spacing,
): {
  /** Per surface voxel of `prediction`: distance to the nearest surface voxel of `groundTruth`. */
  predictionToTruth: Float64Array;
  /** Per surface voxel of `groundTruth`: distance to the nearest surface voxel of `prediction`. */
  truthToPrediction: Float64Array;
} {
  const size = shapeSize(shape);
  const sp = resolveSpacing(spacing, shape);
  const surfA = surfaceMask(binarize(prediction, size, 'prediction'), shape);
  const surfB = surfaceMask(binarize(groundTruth, size, 'groundTruth'), shape);
  const directed = (from: Uint8Array, to: Uint8Array): Float64Array => {
    const dt = euclideanDistanceTransform(to, shape, sp);
    const out: number[] = [];
    for (let i = 0; i < size; i++) if (from[i] !== 0) out.push(dt[i]!);
    return new Float64Array(out);
  };
  return { predictionToTruth: directed(surfA, surfB), truthToPrediction: directed(surfB, surfA) };
}

/** Percentile with linear interpolation between order statistics (numpy's default rule). */
export function percentile(values: ArrayLike<number>, q: number): number {
  const sorted = new Float64Array(values).sort();
  if (sorted.length === 0) return Number.NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  // Avoid Infinity − Infinity = NaN when both neighbours are infinite.
  return a === b ? a : a + (b - a) * (pos - lo);
}

/** ASSD from directed distances: both masks empty → 0, exactly one empty → Infinity. */
function assdFrom(ab: Float64Array, ba: Float64Array): number {
  if (ab.length === 0 && ba.length === 0) return 0;
  if (ab.length === 0 || ba.length === 0) return Number.POSITIVE_INFINITY;
  let sum = 0;
  for (const d of ab) sum += d;
  for (const d of ba) sum += d;
  return sum / (ab.length + ba.length);
}

/**
 * How HD95 combines the two directions: `'pooled'` (default) takes the 95th percentile of both
 * directed distance sets pooled together (medpy's `hd95`); `'maxDirected'` takes the larger of
 * the two directed 95th percentiles (MONAI's `compute_hausdorff_distance(percentile=95)`).
 */
export type Hd95Pooling = 'pooled' | 'maxDirected';

/** HD95 from directed distances, with the same empty-mask rule as {@link assdFrom}. */
function hd95From(ab: Float64Array, ba: Float64Array, pooling: Hd95Pooling): number {
  if (ab.length === 0 && ba.length === 0) return 0;
  if (ab.length === 0 || ba.length === 0) return Number.POSITIVE_INFINITY;
  if (pooling === 'maxDirected') return Math.max(percentile(ab, 95), percentile(ba, 95));
  const both = new Float64Array(ab.length + ba.length);
  both.set(ab);
  both.set(ba, ab.length);
  return percentile(both, 95);
}

function checkPooling(pooling: unknown): Hd95Pooling {
  if (pooling !== 'pooled' && pooling !== 'maxDirected') {
    throw new OptionError(`pooling must be 'pooled' or 'maxDirected'; got ${JSON.stringify(pooling)}`);
  }
  return pooling;
}

/**
 * Average symmetric surface distance: the mean of all directed surface distances of both
 * directions pooled together (medpy's `assd` and MONAI's symmetric average surface distance).
 * Both masks empty → 0; exactly one empty → `Infinity`.
 */
export function assd(prediction: ArrayLike<number>, groundTruth: ArrayLike<number>, shape: GridShape, spacing?: Spacing): number {
  const { predictionToTruth, truthToPrediction } = surfaceDistances(prediction, groundTruth, shape, spacing);
  return assdFrom(predictionToTruth, truthToPrediction);
}

/**
 * 95th-percentile Hausdorff distance of the surface distances (numpy's linear percentile),
 * combined over both directions as `pooling` says (default `'pooled'`, medpy's definition; see
 * {@link Hd95Pooling}). Both masks empty → 0; exactly one empty → `Infinity`.
 */
export function hausdorff95(
  prediction: ArrayLike<number>,
  groundTruth: ArrayLike<number>,
  shape: GridShape,
  spacing?: Spacing,
  pooling: Hd95Pooling = 'pooled',
): number {
  const mode = checkPooling(pooling);
  const { predictionToTruth, truthToPrediction } = surfaceDistances(prediction, groundTruth, shape, spacing);
  return hd95From(predictionToTruth, truthToPrediction, mode);
}

/** Dice, IoU, ASSD and HD95 (with `pooling`, default `'pooled'`) of `prediction` against `groundTruth`. */
export function segmentationMetrics(
  prediction: ArrayLike<number>,
  groundTruth: ArrayLike<number>,
  shape: GridShape,
  spacing?: Spacing,
  pooling: Hd95Pooling = 'pooled',
): SegmentationMetrics {
  const mode = checkPooling(pooling);
  const { predictionToTruth, truthToPrediction } = surfaceDistances(prediction, groundTruth, shape, spacing);
  const counts = overlap(prediction, groundTruth, shape);
  return {
    dice: diceFrom(counts),
    iou: iouFrom(counts),
    assd: assdFrom(predictionToTruth, truthToPrediction),
    hd95: hd95From(predictionToTruth, truthToPrediction, mode),
  };
}
