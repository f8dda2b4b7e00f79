import { backend } from './state.js';
import type { GeodesicOptions, Shape } from './types.js';
import { validateRequest } from './validate.js';
import type { WorkerClient } from './worker-protocol.js';

/**
 * Shared body of both `geodesicDistanceAsync` entries (Node worker thread, Web Worker): validates
 * on the calling thread, so bad input never reaches or spawns a worker, then sends the request to
 * the worker `client()` returns. Synchronous errors become rejections. @internal
 */
export function requestOffThread(
  client: () => WorkerClient,
  image: Float32Array,
  seeds: Uint8Array,
  shape: Shape,
  options?: GeodesicOptions,
): Promise<Float32Array> {
  try {
    const request = validateRequest(image, seeds, shape, options);
    const name = backend();
    return client().run(name, request);
  } catch (error) {
    return Promise.reject(error);
  }
}
