import { GeodesicRangeError, GeodesicTypeError } from './errors.js';
import type { Shape } from './types.js';
import { resolveShape } from './validate.js';

/** Options of {@link seedsFromPoints} and {@link seedsFromStrokes}. */
export interface SeedOptions {
  /** Mark every voxel whose centre lies within this distance (mm) of the point/stroke. Default 0: one voxel. */
  radius?: number;
  /** Voxel size per axis in mm, same order as the shape. Default 1s. */
  spacing?: readonly number[];
  /** Existing mask to add the seeds to (modified and returned) instead of a new one. */
  into?: Uint8Array;
}

interface Raster {
  dims: [number, number, number];
  spacing: [number, number, number];
  radius: number;
  mask: Uint8Array;
  rank: number;
}

function prepare(shape: Shape, options: SeedOptions): Raster {
  const { dims, voxels } = resolveShape(shape);
  const rank = shape.length;
  const spacingIn = options.spacing ?? new Array<number>(rank).fill(1);
  if (!Array.isArray(spacingIn) || spacingIn.length !== rank || !spacingIn.every((s) => Number.isFinite(s) && s > 0)) {
    throw new GeodesicRangeError('options.spacing', `expected ${rank} finite numbers > 0`);
  }
  const spacing: [number, number, number] = rank === 2 ? [1, spacingIn[0]!, spacingIn[1]!] : [spacingIn[0]!, spacingIn[1]!, spacingIn[2]!];
  const radius = options.radius ?? 0;
  if (typeof radius !== 'number' || !Number.isFinite(radius) || radius < 0) {
    throw new GeodesicRangeError('options.radius', `expected a finite number >= 0, got ${String(radius)}`);
  }
  const mask = options.into ?? new Uint8Array(voxels);
  if (!(mask instanceof Uint8Array) || mask.length !== voxels) {
    throw new GeodesicRangeError('options.into', `expected a Uint8Array of length ${voxels}`);
  }
  return { dims, spacing, radius, mask, rank };
}

/** A point as [d, h, w] in voxel indices (2D points get d = 0), checked against the shape. */
function toVoxel(point: readonly number[], r: Raster, argument: string): [number, number, number] {
  if (!Array.isArray(point) || point.length !== r.rank || !point.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new GeodesicTypeError(argument, `expected ${r.rank} finite voxel coordinates`);
  }
  const p: [number, number, number] = r.rank === 2 ? [0, point[0]!, point[1]!] : [point[0]!, point[1]!, point[2]!];
  for (let axis = 0; axis < 3; axis++) {
    if (p[axis]! < -0.5 || p[axis]! > r.dims[axis]! - 0.5) {
      throw new GeodesicRangeError(argument, `[${point.join(', ')}] lies outside the shape`);
    }
  }
  return p;
}

/** Marks the voxels whose centres lie within the radius of the (possibly fractional) point p. */
function markBall(r: Raster, p: readonly [number, number, number]): void {
  const [, H, W] = r.dims;
  const lo = [0, 0, 0];
  const hi = [0, 0, 0];
  for (let axis = 0; axis < 3; axis++) {
    const reach = r.radius / r.spacing[axis]!;
    lo[axis] = Math.max(0, Math.ceil(p[axis]! - reach - 1e-9));
    hi[axis] = Math.min(r.dims[axis]! - 1, Math.floor(p[axis]! + reach + 1e-9));
  }
  const r2 = r.radius * r.radius + 1e-9;
  let marked = false;
  for (let d = lo[0]!; d <= hi[0]!; d++) {
    const ed = (d - p[0]) * r.spacing[0];
    for (let h = lo[1]!; h <= hi[1]!; h++) {
      const eh = (h - p[1]) * r.spacing[1];
      for (let w = lo[2]!; w <= hi[2]!; w++) {
        const ew = (w - p[2]) * r.spacing[2];
        if (ed * ed + eh * eh + ew * ew <= r2) {
          r.mask[(d * H + h) * W + w] = 1;
          marked = true;
        }
      }
    }
  }
  // A point always seeds at least its own voxel, whatever the radius.
  if (!marked) {
    const [d, h, w] = p.map((x, axis) => Math.min(Math.max(Math.round(x), 0), r.dims[axis]! - 1)) as [number, number, number];
    r.mask[(d * H + h) * W + w] = 1;
  }
}

/**
 * Seed mask from clicks: each point (voxel indices in shape order, `[h, w]` or `[d, h, w]`) marks
 * its voxel, or a ball of `radius` mm around it.
 * @throws GeodesicRangeError for points outside the shape or bad options, and for a radius so
 * large that marking would visit over 2^28 voxels.
 * @example
 * ```ts
 * const fg = seedsFromPoints([181, 217, 181], [[90, 100, 80]], { radius: 2, spacing: [1, 1, 1] });
 * ```
 */
export function seedsFromPoints(shape: Shape, points: readonly (readonly number[])[], options: SeedOptions = {}): Uint8Array {
  const r = prepare(shape, options);
  if (!Array.isArray(points)) throw new GeodesicTypeError('points', 'expected an array of points');
  const voxels = points.map((point, i) => toVoxel(point, r, `points[${i}]`));
  checkWork(r, voxels.length);
  for (const p of voxels) markBall(r, p);
  return r.mask;
}

/** Voxel visits one call may make (a fraction of a second): more means a radius far beyond any brush. */
const MAX_SEED_WORK = 2 ** 28;

/** Throws when marking `balls` balls of the radius would visit more than {@link MAX_SEED_WORK} voxels. */
function checkWork(r: Raster, balls: number): void {
  const perBall = r.dims.reduce((n, dim, axis) => n * Math.min(dim, 2 * Math.floor(r.radius / r.spacing[axis]!) + 2), 1);
  if (balls * perBall > MAX_SEED_WORK) {
    throw new GeodesicRangeError(
      'options.radius',
      `${r.radius} mm over ${balls} point(s) would visit ${(balls * perBall).toExponential(2)} voxels (limit ${MAX_SEED_WORK}); use a brush radius of a few mm`,
    );
  }
}

/**
 * Seed mask from scribbles: each stroke is a polyline of points (voxel indices in shape order);
 * every voxel the segments pass through is marked (thickened by `radius` mm if given).
 * @throws GeodesicRangeError for points outside the shape or bad options, and for a radius so
 * large that marking would visit over 2^28 voxels (a brush radius is a few mm).
 */
export function seedsFromStrokes(
  shape: Shape,
  strokes: readonly (readonly (readonly number[])[])[],
  options: SeedOptions = {},
): Uint8Array {
  const r = prepare(shape, options);
  if (!Array.isArray(strokes)) throw new GeodesicTypeError('strokes', 'expected an array of polylines');
  const polylines = strokes.map((stroke, s) => {
    if (!Array.isArray(stroke) || stroke.length === 0) {
      throw new GeodesicTypeError(`strokes[${s}]`, 'expected a non-empty array of points');
    }
    return stroke.map((point, i) => toVoxel(point, r, `strokes[${s}][${i}]`));
  });
  // Sample at most every quarter voxel along the longest axis so no voxel on the way is skipped.
  const stepsOf = (a: readonly number[], b: readonly number[]) => Math.ceil(4 * Math.max(...b.map((x, axis) => Math.abs(x - a[axis]!))));
  checkWork(
    r,
    polylines.reduce((n, line) => n + 1 + line.slice(1).reduce((m, p, i) => m + stepsOf(line[i]!, p), 0), 0),
  );
  for (const line of polylines) {
    markBall(r, line[0]!);
    for (let i = 1; i < line.length; i++) {
      const [previous, next] = [line[i - 1]!, line[i]!];
      const steps = stepsOf(previous, next);
      for (let k = 1; k <= steps; k++) {
        const t = k / steps;
        markBall(r, [
          previous[0] + t * (next[0] - previous[0]),
          previous[1] + t * (next[1] - previous[1]),
          previous[2] + t * (next[2] - previous[2]),
        ]);
      }
    }
  }
  return r.mask;
}
