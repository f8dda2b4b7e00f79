import { GeodesicBackendError } from './errors.js';
import type { Backend, BackendName, GeodesicOptions, Shape } from './types.js';
import { validateRequest } from './validate.js';

let active: Backend | undefined;
let loading: Promise<void> | undefined;

/** Runs `load` once and remembers its backend; later calls return the same promise. @internal */
export function readyOnce(load: () => Promise<Backend>): Promise<void> {
  loading ??= load().then(
    (backend) => {
      active = backend;
    },
    (error: unknown) => {
      loading = undefined; // allow a retry (e.g. after fixing the environment)
      throw error;
    },
  );
  return loading;
}

/**
 * Which backend is active: `'native'` (Node-API addon) or `'wasm'`.
 * @throws GeodesicBackendError before {@link ready} has resolved.
 */
export function backend(): BackendName {
  return requireBackend().name;
}

/**
 * Threads the active backend uses, right now, for large 3D volumes (≥ 1 M voxels and ≥ 16
 * planes: `'exact'` splits them into two slabs, the raster scans run as a two-thread
 * wavefront): 2 when a second thread is available — the native addon on a machine with at least two cores, WASM in
 * Node when its threaded build and helper worker are running — else 1 (also with
 * `DEEPIGEOS_GEODESIC_THREADS=1`). In browsers this is the page's synchronous backend, always 1;
 * `geodesicDistanceAsync` may still use two threads in its Web Worker when the page is
 * cross-origin isolated. The maps are the same either way.
 * @throws GeodesicBackendError before {@link ready} has resolved.
 */
export function backendThreads(): 1 | 2 {
  return requireBackend().threads() === 2 ? 2 : 1;
}

/** The active backend (tests use its internal hooks). @internal */
export function requireBackend(): Backend {
  if (active === undefined) {
    throw new GeodesicBackendError('no geodesic backend loaded yet: await ready() before computing');
  }
  return active;
}

/**
 * Geodesic distance from the seed voxels to every voxel (synchronous; call {@link ready} first).
 *
 * Each step between neighbours p, q (8 in 2D, 26 in 3D) costs
 * `local_dist / ((1 − λ) + λ / (‖I_p − I_q‖ + 1e-5))` with `local_dist` the step's length in mm
 * from `spacing` — GeodisTK's definition. Seeds are 0; voxels no seed reaches (only when there are
 * no seeds) are `Infinity` (GeodisTK leaves 1e10 there).
 *
 * @param image Intensities, row-major `[D, H, W]` (W fastest), `channels` values per voxel interleaved.
 * @param seeds One byte per voxel, nonzero marks a seed.
 * @param shape `[H, W]` or `[D, H, W]`.
 * @param options Spacing, λ, iterations, method, channels; see {@link GeodesicOptions}.
 * @returns A new Float32Array of distances, one per voxel.
 * @throws GeodesicTypeError / GeodesicRangeError for invalid input (checked before compiled code runs).
 * @example
 * ```ts
 * await ready();
 * const d = geodesicDistance(image, seeds, [256, 256], { method: 'exact' });
 * ```
 */
export function geodesicDistance(
  image: Float32Array,
  seeds: Uint8Array,
  shape: Shape,
  options?: GeodesicOptions,
): Float32Array {
  const request = validateRequest(image, seeds, shape, options);
  return requireBackend().compute(request);
}
