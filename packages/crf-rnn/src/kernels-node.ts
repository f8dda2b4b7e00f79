// Node: the kernels are compiled synchronously when the package is imported (the layers' call()
// is synchronous), from wasm/crf-kernels.wasm next to dist/.
import { readFileSync } from 'node:fs';
import { installKernels } from './kernels.js';

let loadError: unknown = null;
try {
  installKernels(new WebAssembly.Module(readFileSync(new URL('../wasm/crf-kernels.wasm', import.meta.url))));
} catch (error) {
  loadError = error;
}

/**
 * Resolves once the WebAssembly kernels are loaded. In Node they load at import, so this resolves
 * at once; it rejects if they could not load (the TypeScript loops then run, same results, slower).
 */
export function ready(): Promise<void> {
  return loadError === null ? Promise.resolve() : Promise.reject(loadError);
}
