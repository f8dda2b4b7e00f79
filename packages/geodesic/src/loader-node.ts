import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { GeodesicBackendError } from './errors.js';
import { loadNativeBackend, threadSetting } from './native-backend.js';
import type { Backend, BackendName } from './types.js';
import { createWasmBackend, type WasmBackend } from './wasm-backend.js';
import { spawnNodeHelper } from './wasm-helper-node.js';
import { createThreadedWasmBackend, type SpawnHelper, threadedOrSingle } from './wasm-threads.js';

/** Environment variable forcing a backend: `native` or `wasm`. */
export const BACKEND_ENV = 'DEEPIGEOS_GEODESIC_BACKEND';

const wasmFile = (name: string) => readFile(new URL(`../wasm/${name}`, import.meta.url));

/**
 * Loads the WASM build from the package's `wasm/` folder: the threaded build with its helper
 * worker where there are two cores, else (or if the helper does not start) the single-threaded one.
 * @param spawn starts the helper worker (a test hook).
 */
export async function loadWasmBackend(spawn: SpawnHelper = spawnNodeHelper): Promise<WasmBackend> {
  const threads = typeof SharedArrayBuffer === 'function' && availableParallelism() >= 2;
  return threadedOrSingle(
    threads ? async () => createThreadedWasmBackend(await wasmFile('geodesic-threads.wasm'), spawn, { threadSetting }) : undefined,
    async () => createWasmBackend(await wasmFile('geodesic.wasm')),
  );
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
