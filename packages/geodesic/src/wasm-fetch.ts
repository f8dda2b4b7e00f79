import { GeodesicBackendError } from './errors.js';
import { createWasmBackend, type WasmBackend } from './wasm-backend.js';

/**
 * Fetches a WASM file's bytes. Callers pass `new URL('../wasm/….wasm', import.meta.url)` with a
 * literal path, so bundlers that understand that pattern (Vite, webpack 5) copy the file.
 * @internal
 */
export async function fetchWasmBytes(url: URL): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new GeodesicBackendError(`${url.pathname.split('/').pop()}: HTTP ${response.status} from ${response.url}`);
  return response.arrayBuffer();
}

/** Fetches `geodesic.wasm` (the single-threaded build) next to this module and instantiates it. @internal */
export async function fetchWasmBackend(): Promise<WasmBackend> {
  return createWasmBackend(await fetchWasmBytes(new URL('../wasm/geodesic.wasm', import.meta.url)));
}
