import * as tf from '@tensorflow/tfjs-core';
import { type GeodesicMethod, geodesicDistance, geodesicDistanceAsync, ready } from '@deepigeos/geodesic';
import { OptionError } from './errors.js';
import { checkLength, type GridShape, resolveSpacing, type Spacing, shapeSize } from './grid.js';
import { checkNormalization, type DistanceNormalization, normalizeDistance } from './normalize.js';
import { countSeeds, type SeedInput, toSeedMask } from './seeds.js';

/** How seeds become distance maps for R-Net. */
export interface GeodesicEncodingOptions {
  /**
   * Weight of the image-gradient term: 1 (default) is DeepIGeoS's purely image-gradient
   * geodesic distance, 0 the plain Euclidean distance (the paper's ablation).
   */
  lambda?: number;
  /** Raster-scan passes (forward + backward); default 2, as in DeepIGeoS. */
  iterations?: number;
  /**
   * `@deepigeos/geodesic` algorithm: `'raster'` (default there; GeodisTK-compatible, what models
   * trained on GeodisTK maps expect), `'raster-causal'` or `'exact'` (Dijkstra).
   */
  method?: GeodesicMethod;
  /** Map normalisation; default `'max'`. See {@link DistanceNormalization}. */
  normalization?: DistanceNormalization;
  /** Length scale of `'exp'` normalisation, in distance units; default 1. */
  sigma?: number;
  /**
   * Compute the maps with `geodesicDistanceAsync` (a worker thread, or a Web Worker in browsers,
   * which runs two threads on cross-origin-isolated pages) so the calling thread stays responsive.
   * Default: true on a browser page's main thread (where `document` exists), false elsewhere
   * (Node's synchronous call to the native addon is the fastest path). The maps are identical.
   */
  offThread?: boolean;
}

/** True on a browser page's main thread, where blocking for a 3D distance map freezes the page. */
const onPageMainThread = (): boolean => typeof (globalThis as { document?: unknown }).document !== 'undefined';

/** Inputs of {@link encodeInteractions}. */
export interface EncodeInteractionsOptions {
  /** Image, channels-last: `channels` values per voxel. */
  image: ArrayLike<number>;
  /** `[H, W]` or `[D, H, W]`. */
  shape: GridShape;
  /** Voxel spacing per axis; default all 1. */
  spacing?: Spacing;
  /** Image channels; default 1. */
  channels?: number;
  /** Current foreground probability per voxel, in [0, 1] (not a binarised label). */
  probability: ArrayLike<number>;
  /** Foreground seeds: a mask or a list of points. */
  fgSeeds: SeedInput;
  /** Background seeds: a mask or a list of points. */
  bgSeeds: SeedInput;
  /** Distance map options. */
  geodesic?: GeodesicEncodingOptions;
  /**
   * Reuses a seed set's distance map when the same image, options and seeds come again (e.g.
   * only background seeds changed since the last refinement). See {@link DistanceMapCache}.
   */
  cache?: DistanceMapCache;
}

/**
 * Remembers the last normalised distance map per seed label, keyed by the image (by identity),
 * the encoding options and the seed mask, so an unchanged seed set is not recomputed.
 */
export class DistanceMapCache {
  private readonly entries = new Map<'fg' | 'bg', { image: Float32Array; key: string; seeds: Uint8Array; map: Float32Array }>();

  /** The cached map for `label` if image, options and seeds match, else `compute()` (then cached). */
  get(label: 'fg' | 'bg', image: Float32Array, key: string, seeds: Uint8Array, compute: () => Float32Array): Float32Array {
    return this.find(label, image, key, seeds) ?? this.remember(label, image, key, seeds, compute());
  }

  /** The cached map for `label` if image, options and seeds match, else undefined. */
  find(label: 'fg' | 'bg', image: Float32Array, key: string, seeds: Uint8Array): Float32Array | undefined {
    const hit = this.entries.get(label);
    return hit && hit.image === image && hit.key === key && sameMask(hit.seeds, seeds) ? hit.map : undefined;
  }

  /** Caches `map` as `label`'s map for this image, options key and seeds; returns it. */
  remember(label: 'fg' | 'bg', image: Float32Array, key: string, seeds: Uint8Array, map: Float32Array): Float32Array {
    this.entries.set(label, { image, key, seeds: seeds.slice(), map });
    return map;
  }
}

function sameMask(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Resolved {@link GeodesicEncodingOptions}. */
export interface ResolvedEncoding {
  lambda: number;
  iterations: number;
  method: GeodesicMethod | undefined;
  normalization: DistanceNormalization;
  sigma: number;
  offThread: boolean;
}

/** Fills in defaults and validates distance-map options. */
export function resolveEncoding(options: GeodesicEncodingOptions = {}): ResolvedEncoding {
  const lambda = options.lambda ?? 1;
  if (typeof lambda !== 'number' || !(lambda >= 0 && lambda <= 1)) {
    throw new OptionError(`geodesic.lambda must be a number in [0, 1]; got ${JSON.stringify(options.lambda)}`);
  }
  const iterations = options.iterations ?? 2;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new OptionError(`geodesic.iterations must be a positive integer; got ${JSON.stringify(options.iterations)}`);
  }
  const sigma = options.sigma ?? 1;
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
    throw new OptionError(`geodesic.sigma must be a finite positive number; got ${JSON.stringify(options.sigma)}`);
  }
  const offThread = options.offThread ?? onPageMainThread();
  if (typeof offThread !== 'boolean') {
    throw new OptionError(`geodesic.offThread must be a boolean; got ${JSON.stringify(options.offThread)}`);
  }
  return {
    lambda,
    iterations,
    method: options.method,
    normalization: checkNormalization(options.normalization ?? 'max'),
    sigma,
    offThread,
  };
}

/**
 * Normalised distance map of one seed set (see `emptySeedValue` for empty sets), on this thread
 * or off it as `encoding.offThread` says; needs `ready()` first.
 */
export async function seedDistanceMap(
  image: Float32Array,
  seeds: Uint8Array,
  shape: GridShape,
  spacing: number[],
  channels: number,
  encoding: ResolvedEncoding,
): Promise<Float32Array> {
  const size = seeds.length;
  if (countSeeds(seeds) === 0) return normalizeDistance(new Float32Array(size), false, encoding.normalization, encoding.sigma);
  const request = [
    image,
    seeds,
    [...shape],
    {
      spacing,
      lambda: encoding.lambda,
      iterations: encoding.iterations,
      channels,
      ...(encoding.method === undefined ? {} : { method: encoding.method }),
    },
  ] as const;
  const distance = encoding.offThread ? await geodesicDistanceAsync(...request) : geodesicDistance(...request);
  // geodesicDistance returns a fresh array: normalise it in place.
  return normalizeDistance(distance, true, encoding.normalization, encoding.sigma);
}

/**
 * Builds R-Net's input as a channels-last typed array: per voxel the image channels, then the
 * current foreground probability, then the normalised distance to the foreground seeds, then
 * to the background seeds (`channels + 3` values). See {@link encodeInteractions}.
 */
export async function encodeInteractionsData(options: EncodeInteractionsOptions): Promise<Float32Array> {
  const { shape } = options;
  const size = shapeSize(shape);
  const channels = options.channels ?? 1;
  if (!Number.isInteger(channels) || channels < 1) {
    throw new OptionError(`channels must be a positive integer; got ${JSON.stringify(options.channels)}`);
  }
  checkLength(options.image, size, 'image', channels);
  checkLength(options.probability, size, 'probability');
  const spacing = resolveSpacing(options.spacing, shape);
  const encoding = resolveEncoding(options.geodesic);
  const fg = toSeedMask(options.fgSeeds, shape, 'fgSeeds');
  const bg = toSeedMask(options.bgSeeds, shape, 'bgSeeds');
  // Typed-array `from` goes through the iterator protocol (slow); copy only non-float32 input.
  const image = options.image instanceof Float32Array ? options.image : new Float32Array(options.image);
  await ready(); // loads the geodesic backend (native addon or WebAssembly) once
  // Where the maps are computed does not change them, so it is not part of the cache key.
  const key = JSON.stringify([shape, spacing, channels, { ...encoding, offThread: undefined }]);
  const { cache } = options;
  const map = async (label: 'fg' | 'bg', seeds: Uint8Array) => {
    const cached = cache?.find(label, image, key, seeds);
    if (cached) return cached;
    const computed = await seedDistanceMap(image, seeds, shape, spacing, channels, encoding);
    return cache ? cache.remember(label, image, key, seeds, computed) : computed;
  };
  const gFg = await map('fg', fg);
  const gBg = await map('bg', bg);
  const stride = channels + 3;
  const out = new Float32Array(size * stride);
  for (let i = 0; i < size; i++) {
    const o = i * stride;
    for (let c = 0; c < channels; c++) out[o + c] = image[i * channels + c]!;
    out[o + channels] = options.probability[i]!;
    out[o + channels + 1] = gFg[i]!;
    out[o + channels + 2] = gBg[i]!;
  }
  return out;
}

/**
 * R-Net's input tensor, shape `[1, H, W, channels + 3]` or `[1, D, H, W, channels + 3]`:
 * image, current foreground probability, G(fg seeds), G(bg seeds). Distances come from
 * `@deepigeos/geodesic` (λ = 1: image-gradient geodesic; λ = 0: Euclidean) and are normalised
 * per map (default: divide by the map's maximum). **Empty seed set convention:** its map is
 * constant at the "infinitely far" value of the normalisation — 1 for `'max'`, 0 for `'exp'`.
 * Throws `ShapeError` for length mismatches and `SeedError` for seeds outside the volume.
 */
export async function encodeInteractions(options: EncodeInteractionsOptions): Promise<tf.Tensor> {
  const data = await encodeInteractionsData(options);
  const channels = options.channels ?? 1;
  return tf.tensor(data, [1, ...options.shape, channels + 3], 'float32');
}
