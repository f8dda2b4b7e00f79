// Browsers: synchronous compilation of a module this size is not allowed on the main thread, so
// the kernels are fetched and compiled by `ready()`; until it resolves the TypeScript loops run.
import { installKernelsAsync } from './kernels.js';

let loading: Promise<void> | null = null;

/**
 * Fetches `crf-kernels.wasm` next to this module (bundlers that understand
 * `new URL('…', import.meta.url)`, such as Vite and webpack 5, emit it) and compiles it.
 * Idempotent. Until it resolves the layers run the TypeScript loops (same results, slower).
 */
export function ready(): Promise<void> {
  loading ??= (async () => {
    const response = await fetch(new URL('../wasm/crf-kernels.wasm', import.meta.url));
    if (!response.ok) throw new Error(`crf-kernels.wasm: HTTP ${response.status} from ${response.url}`);
    await installKernelsAsync(await response.arrayBuffer());
  })();
  loading.catch(() => {
    loading = null;
  });
  return loading;
}
