/** Image shape: `[H, W]` for 2D, `[D, H, W]` for 3D (row-major, W fastest, as NIfTI data). */
export type Shape = readonly [number, number] | readonly [number, number, number];

/**
 * Algorithm computing the map.
 * - `'raster'`: forward + backward raster scans with GeodisTK 0.1.7's neighbour lists and order,
 *   equal to GeodisTK's output to float rounding (what models trained on GeodisTK maps expect).
 * - `'raster-causal'`: the same scans with the standard causal half-masks (closer to exact per
 *   iteration; exact to float rounding for λ = 0 after one iteration).
 * - `'exact'`: the exact shortest-path distance on the same 8/26-neighbour graph, bit-identical
 *   to float32 Dijkstra: a label-correcting bucket queue for λ > 0, label-correcting sweeps for
 *   λ = 0, Dijkstra for multi-channel images.
 *
 * Large 3D volumes (≥ 1 M voxels, ≥ 16 planes) run on two threads with the native addon and with
 * WASM in Node, bit-identical to one thread; `DEEPIGEOS_GEODESIC_THREADS=1` keeps one.
 */
export type GeodesicMethod = 'raster' | 'raster-causal' | 'exact';

/** Options of {@link geodesicDistance}. */
export interface GeodesicOptions {
  /** Voxel size per axis in mm, same order as the shape (`[sh, sw]` or `[sd, sh, sw]`), each in (0, 10^6]. Default 1s. */
  spacing?: readonly number[];
  /** Weight of the image term in [0, 1]: 0 = chamfer Euclidean, 1 = pure image geodesic. Default 1. */
  lambda?: number;
  /** Forward + backward scan pairs for the raster methods (ignored by `'exact'`), 1 to 1000. Default 2. */
  iterations?: number;
  /** Algorithm; default `'raster'` (GeodisTK-compatible). */
  method?: GeodesicMethod;
  /** Values per voxel, interleaved in `image` (L2 intensity difference). Default 1. */
  channels?: number;
}

/** Which compiled backend runs the computations. */
export type BackendName = 'native' | 'wasm';

/** A fully validated request, in the core's [D, H, W] form. @internal */
export interface GeodesicRequest {
  image: Float32Array;
  seeds: Uint8Array;
  depth: number;
  height: number;
  width: number;
  channels: number;
  /** [sd, sh, sw]. */
  spacing: [number, number, number];
  lambda: number;
  iterations: number;
  /** Core method code: 0 raster, 1 raster-causal, 2 exact. */
  methodCode: number;
}

/**
 * The numeric arguments both compiled bindings take after their buffers, in order:
 * depth, height, width, channels, sd, sh, sw, lambda, iterations, method code. @internal
 */
export type CoreScalars = [number, number, number, number, number, number, number, number, number, number];

/** A request's scalars in binding order. @internal */
export function coreScalars(r: GeodesicRequest): CoreScalars {
  return [r.depth, r.height, r.width, r.channels, r.spacing[0], r.spacing[1], r.spacing[2], r.lambda, r.iterations, r.methodCode];
}

/** A loaded backend. @internal */
export interface Backend {
  readonly name: BackendName;
  compute(request: GeodesicRequest): Float32Array;
  /** Threads 'exact' may use on large 3D volumes now (1 or 2). */
  threads(): number;
  /** Tasks a helper thread has run so far (threaded WASM only; tests check the helper did work). */
  helperTasks?(): number;
}
