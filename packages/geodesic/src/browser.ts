/**
 * Geodesic distance maps for DeepIGeoS (browser entry, selected by the `browser` export
 * condition): the C++ core compiled to WebAssembly; no Node built-ins.
 * @packageDocumentation
 */
import { requestOffThread } from './async-request.js';
import { GeodesicBackendError } from './errors.js';
import { readyOnce } from './state.js';
import type { GeodesicOptions, Shape } from './types.js';
import { fetchWasmBackend } from './wasm-fetch.js';
import { WorkerClient, type WorkerReply } from './worker-protocol.js';

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

/** Loads the WebAssembly backend of the page's thread (the single-threaded build, fetched next to this module). Idempotent. */
export function ready(): Promise<void> {
  return readyOnce(fetchWasmBackend);
}

let client: WorkerClient | undefined;

function getClient(): WorkerClient {
  if (client !== undefined) return client;
  const worker = new Worker(new URL('./worker-browser.js', import.meta.url), { type: 'module' });
  const c = new WorkerClient(worker);
  worker.onmessage = (event: MessageEvent<WorkerReply>) => c.receive(event.data);
  worker.onerror = (event) => {
    c.failAll(new GeodesicBackendError(`geodesic worker failed: ${event.message}`));
    client = undefined;
  };
  client = c;
  return c;
}

/**
 * Like {@link geodesicDistance}, but computed in a Web Worker (one shared worker, requests run in
 * order) so the page stays responsive. Input is validated first; the arrays are copied. When the
 * page is cross-origin isolated (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`) the worker runs the threaded WebAssembly build,
 * with its helper in a nested worker, so large 3D volumes use two threads; otherwise, or if the
 * helper cannot start, one thread. The maps are the same either way.
 * @throws (rejects with) the same error classes as {@link geodesicDistance}.
 */
export function geodesicDistanceAsync(
  image: Float32Array,
  seeds: Uint8Array,
  shape: Shape,
  options?: GeodesicOptions,
): Promise<Float32Array> {
  return requestOffThread(getClient, image, seeds, shape, options);
}

/**
 * Tasks the async worker's helper thread had run by the last answered request: above 0 once
 * {@link geodesicDistanceAsync} has split a large 3D volume between two threads (test hook).
 * @internal
 */
export function asyncHelperTasks(): number {
  return client?.helperTasks ?? 0;
}
