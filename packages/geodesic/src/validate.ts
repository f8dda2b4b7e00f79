import { GeodesicRangeError, GeodesicTypeError } from './errors.js';
import type { GeodesicMethod, GeodesicOptions, GeodesicRequest, Shape } from './types.js';

/** Largest voxel count × channels the core accepts (its indices are 32-bit). */
export const MAX_VALUES = 2 ** 31 - 1;

/**
 * Most raster scan pairs one request may ask for. Each pair costs a full pass over the volume
 * and the scans converge in far fewer (use `method: 'exact'` for the exact distance), so a larger
 * count can only be a mistake that would keep the thread busy for hours.
 */
export const MAX_ITERATIONS = 1000;

/** Largest voxel spacing accepted (mm): keeps every path length far from float32 overflow. */
export const MAX_SPACING = 1e6;

const METHOD_CODES: Record<GeodesicMethod, number> = { raster: 0, 'raster-causal': 1, exact: 2 };

function isPositiveInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 1;
}

/**
 * Checks a shape and returns it as [D, H, W] (2D shapes get D = 1) with its voxel count.
 * @throws GeodesicTypeError / GeodesicRangeError naming `shape`.
 */
export function resolveShape(shape: Shape): { dims: [number, number, number]; voxels: number } {
  if (!Array.isArray(shape) || (shape.length !== 2 && shape.length !== 3)) {
    throw new GeodesicTypeError('shape', 'expected [H, W] or [D, H, W]');
  }
  for (const n of shape) {
    if (!isPositiveInteger(n)) {
      throw new GeodesicRangeError('shape', `every extent must be an integer >= 1, got [${shape.join(', ')}]`);
    }
  }
  const dims: [number, number, number] = shape.length === 2 ? [1, shape[0], shape[1]] : [shape[0], shape[1], shape[2]];
  // Products of safe integers below 2^31 stay exact in doubles; stop as soon as the limit is passed.
  let voxels = 1;
  for (const n of dims) {
    voxels *= n;
    if (voxels > MAX_VALUES) {
      throw new GeodesicRangeError('shape', `[${shape.join(', ')}] has more than 2^31 - 1 voxels`);
    }
  }
  return { dims, voxels };
}

function resolveSpacing(spacing: readonly number[] | undefined, rank: number): [number, number, number] {
  if (spacing === undefined) return [1, 1, 1];
  if (!Array.isArray(spacing) || spacing.length !== rank) {
    throw new GeodesicRangeError('options.spacing', `expected ${rank} numbers (one per shape axis)`);
  }
  for (const s of spacing) {
    if (typeof s !== 'number' || !(s > 0 && s <= MAX_SPACING)) {
      throw new GeodesicRangeError('options.spacing', `every value must be > 0 and <= ${MAX_SPACING}, got [${spacing.join(', ')}]`);
    }
  }
  return rank === 2 ? [1, spacing[0]!, spacing[1]!] : [spacing[0]!, spacing[1]!, spacing[2]!];
}

/** Index of the first non-finite value, or -1. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) {
    // x - x is 0 for finite x and NaN for ±Infinity and NaN.
    const v = values[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}

/**
 * Validates the arguments of `geodesicDistance` and converts them to the core's form.
 * Every check happens here, before any compiled code runs.
 */
export function validateRequest(
  image: Float32Array,
  seeds: Uint8Array,
  shape: Shape,
  options: GeodesicOptions = {},
): GeodesicRequest {
  if (!(image instanceof Float32Array)) throw new GeodesicTypeError('image', 'expected a Float32Array');
  if (!(seeds instanceof Uint8Array)) throw new GeodesicTypeError('seeds', 'expected a Uint8Array (nonzero = seed)');
  if (options === null || typeof options !== 'object') throw new GeodesicTypeError('options', 'expected an object');
  const { dims, voxels } = resolveShape(shape);
  const channels = options.channels ?? 1;
  if (!isPositiveInteger(channels) || channels > 4096) {
    throw new GeodesicRangeError('options.channels', `expected an integer in [1, 4096], got ${String(channels)}`);
  }
  if (voxels * channels > MAX_VALUES) {
    throw new GeodesicRangeError('shape', 'voxel count times channels exceeds 2^31 - 1');
  }
  if (image.length !== voxels * channels) {
    throw new GeodesicRangeError(
      'image',
      `length ${image.length} does not match shape [${shape.join(', ')}] × ${channels} channel(s) = ${voxels * channels}`,
    );
  }
  if (seeds.length !== voxels) {
    throw new GeodesicRangeError('seeds', `length ${seeds.length} does not match shape [${shape.join(', ')}] = ${voxels}`);
  }
  const spacing = resolveSpacing(options.spacing, shape.length);
  const lambda = options.lambda ?? 1;
  if (typeof lambda !== 'number' || !(lambda >= 0 && lambda <= 1)) {
    throw new GeodesicRangeError('options.lambda', `expected a number in [0, 1], got ${String(lambda)}`);
  }
  const iterations = options.iterations ?? 2;
  if (!isPositiveInteger(iterations) || iterations > MAX_ITERATIONS) {
    throw new GeodesicRangeError('options.iterations', `expected an integer in [1, ${MAX_ITERATIONS}], got ${String(iterations)}`);
  }
  const method = options.method ?? 'raster';
  const methodCode = Object.hasOwn(METHOD_CODES, method) ? METHOD_CODES[method] : undefined;
  if (methodCode === undefined) {
    throw new GeodesicRangeError('options.method', `expected 'raster', 'raster-causal' or 'exact', got ${String(method)}`);
  }
  const bad = firstNonFinite(image);
  if (bad >= 0) throw new GeodesicRangeError('image', `value at index ${bad} is ${image[bad]}; every value must be finite`);
  return {
    image,
    seeds,
    depth: dims[0],
    height: dims[1],
    width: dims[2],
    channels,
    spacing,
    lambda,
    iterations,
    methodCode,
  };
}
