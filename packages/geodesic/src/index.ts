/**
 * Geodesic distance maps for DeepIGeoS (Node.js entry): a C++ core run as a Node-API addon, with
 * the same core compiled to WebAssembly as fallback.
 * @packageDocumentation
 */
import { BACKEND_ENV, loadBackend } from './loader-node.js';
import { readyOnce } from './state.js';

export { asyncHelperTasks, geodesicDistanceAsync } from './async-node.js';
export {
  ArgumentError,
  BackendError,
  DeepIGeoSError,
  type DeepIGeoSErrorCode,
  GeodesicBackendError,
  GeodesicRangeError,
  GeodesicTypeError,
  isDeepIGeoSError,
} from './errors.js';
export { normalizeExp, normalizeZScore } from './normalize.js';
export { seedsFromPoints, seedsFromStrokes, type SeedOptions } from './seeds.js';
export { backend, backendThreads, geodesicDistance } from './state.js';
export type { BackendName, GeodesicMethod, GeodesicOptions, Shape } from './types.js';

/**
 * Loads the compute backend: the native addon if it loads, else WebAssembly. Set
 * `DEEPIGEOS_GEODESIC_BACKEND=native|wasm` to force one (then failing to load it is an error).
 * Idempotent; await it once before {@link geodesicDistance}.
 * @throws GeodesicBackendError if the forced backend cannot be loaded.
 */
export function ready(): Promise<void> {
  return readyOnce(() => loadBackend(process.env[BACKEND_ENV]));
}
