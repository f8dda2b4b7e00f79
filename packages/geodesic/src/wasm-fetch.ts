import { GeodesicBackendError } from './errors.js';
import type { Backend } from './types.js';
import { createWasmBackend } from './wasm-backend.js';

/**
 * Fetches `geodesic.wasm` next to this module (bundlers that understand
 * `new URL('…', import.meta.url)`, such as Vite and webpack 5, copy it) and instantiates it.
 * @internal
 */
export async function fetchWasmBackend(): Promise<Backend> {
  const response = await fetch(new URL('../wasm/geodesic.wasm', import.meta.url));
  if (!response.ok) throw new GeodesicBackendError(`geodesic.wasm: HTTP ${response.status} from ${response.url}`);
  return createWasmBackend(await response.arrayBuffer());
}
