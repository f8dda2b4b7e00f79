/**
 * Geodesic distance maps for DeepIGeoS (browser entry, selected by the `browser` export
 * condition): the C++ core compiled to WebAssembly; no Node built-ins.
 * @packageDocumentation
 */
import { GeodesicBackendError } from './errors.js';
import { readyOnce } from './state.js';
import { createWasmBackend } from './wasm-backend.js';

export { GeodesicBackendError, GeodesicRangeError, GeodesicTypeError } from './errors.js';
export { normalizeExp, normalizeZScore } from './normalize.js';
export { seedsFromPoints, seedsFromStrokes, type SeedOptions } from './seeds.js';
export { backend, geodesicDistance } from './state.js';
export type { BackendName, GeodesicMethod, GeodesicOptions, Shape } from './types.js';

/**
 * Loads the WebAssembly backend (fetched next to this module; bundlers that understand
 * `new URL('…', import.meta.url)`, such as Vite and webpack 5, copy it). Idempotent.
 */
export function ready(): Promise<void> {
  return readyOnce(async () => {
    const response = await fetch(new URL('../wasm/geodesic.wasm', import.meta.url));
    if (!response.ok) throw new GeodesicBackendError(`geodesic.wasm: HTTP ${response.status} from ${response.url}`);
    return createWasmBackend(await response.arrayBuffer());
  });
}
