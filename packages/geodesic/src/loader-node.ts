import { readFile } from 'node:fs/promises';
import { GeodesicBackendError } from './errors.js';
import { loadNativeBackend } from './native-backend.js';
import type { Backend, BackendName } from './types.js';
import { createWasmBackend } from './wasm-backend.js';

/** Environment variable forcing a backend: `native` or `wasm`. */
export const BACKEND_ENV = 'DEEPIGEOS_GEODESIC_BACKEND';

/** Loads the WASM build from the package's `wasm/` folder. */
export async function loadWasmBackend(): Promise<Backend> {
  const bytes = await readFile(new URL('../wasm/geodesic.wasm', import.meta.url));
  return createWasmBackend(bytes);
}

/**
 * Loads the requested backend, or native-then-WASM when none is requested.
 * @throws GeodesicBackendError if a forced backend cannot load, or the name is unknown.
 */
export async function loadBackend(forced: string | undefined): Promise<Backend> {
  const choice = forced === undefined || forced === '' ? undefined : forced;
  if (choice !== undefined && choice !== 'native' && choice !== 'wasm') {
    throw new GeodesicBackendError(`${BACKEND_ENV}: expected 'native' or 'wasm', got '${choice}'`);
  }
  const name = choice as BackendName | undefined;
  if (name === 'native') return loadNativeBackend();
  if (name === 'wasm') return loadWasmBackend();
  try {
    return loadNativeBackend();
  } catch {
    return loadWasmBackend();
  }
}
