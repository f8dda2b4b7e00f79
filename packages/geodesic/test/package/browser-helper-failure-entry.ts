// Runs in headless Chromium, cross-origin isolated: the browser helper worker's failure paths.
// Starting the threaded backend only polls (no Atomics.wait), so it can run on the page itself.
import { validateRequest } from '../../src/validate.js';
import { fetchWasmBackend, fetchWasmBytes } from '../../src/wasm-fetch.js';
import { spawnBrowserHelper } from '../../src/wasm-helper-browser.js';
import { createThreadedWasmBackend, threadedOrSingle } from '../../src/wasm-threads.js';

async function startFailure(spawn: Parameters<typeof createThreadedWasmBackend>[1]) {
  const bytes = await fetchWasmBytes(new URL('../../wasm/geodesic-threads.wasm', import.meta.url));
  const t0 = performance.now();
  try {
    await createThreadedWasmBackend(bytes, spawn, { threadSetting: () => 0 });
    return { rejected: false, message: '', ms: performance.now() - t0 };
  } catch (error) {
    return { rejected: true, name: (error as Error).name, message: (error as Error).message, ms: performance.now() - t0 };
  }
}

export default async function run() {
  // The helper receives something that is not a module: instantiating throws inside the worker.
  const badModule = await startFailure((init) => spawnBrowserHelper({ ...init, module: 'no module' as unknown as WebAssembly.Module }));
  // The helper cannot even receive its message (a function cannot be cloned): postMessage throws.
  const uncloneable = await startFailure((init) => spawnBrowserHelper({ ...init, slot: (() => 0) as unknown as number }));
  // What the Web Worker does then: the single-threaded build, one thread, a working map.
  const bytes = await fetchWasmBytes(new URL('../../wasm/geodesic-threads.wasm', import.meta.url));
  const chosen = await threadedOrSingle(
    () => createThreadedWasmBackend(bytes, (init) => spawnBrowserHelper({ ...init, module: 'no module' as unknown as WebAssembly.Module }), { threadSetting: () => 0 }),
    fetchWasmBackend,
  );
  const seeds = new Uint8Array(64 * 64);
  seeds[0] = 1;
  const chamfer = chosen.compute(validateRequest(new Float32Array(64 * 64), seeds, [64, 64], { method: 'exact', lambda: 0 }));
  const fellBack = { threads: chosen.threads(), corner: chamfer[64 * 64 - 1] };
  return { crossOriginIsolated: globalThis.crossOriginIsolated === true, badModule, uncloneable, fellBack };
}
