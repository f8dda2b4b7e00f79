// Web Worker entry for the browser's geodesicDistanceAsync (WASM backend only). A worker may block
// in Atomics.wait, so here (unlike on the page's main thread) the threaded build can run, with its
// helper instance in a nested worker — when the page is cross-origin isolated.
import type { Backend } from './types.js';
import { fetchWasmBackend, fetchWasmBytes } from './wasm-fetch.js';
import { spawnBrowserHelper } from './wasm-helper-browser.js';
import { createThreadedWasmBackend, threadedOrSingle } from './wasm-threads.js';
import { answer, type WorkerRequest } from './worker-protocol.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
  crossOriginIsolated?: boolean;
  navigator: { hardwareConcurrency?: number };
}

const scope = self as unknown as WorkerScope;
let backend: Promise<Backend> | undefined;

/** The threaded build where shared memory is allowed and there are two cores; else (or if its helper fails) the single-threaded one. */
function loadBackend(): Promise<Backend> {
  const threads = scope.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function' && (scope.navigator.hardwareConcurrency ?? 2) >= 2;
  return threadedOrSingle(
    threads
      ? async () =>
          createThreadedWasmBackend(await fetchWasmBytes(new URL('../wasm/geodesic-threads.wasm', import.meta.url)), spawnBrowserHelper, {
            threadSetting: () => 0,
          })
      : undefined,
    fetchWasmBackend,
  );
}

scope.onmessage = async (event) => {
  const { reply, transfer } = await answer(event.data, () => {
    backend ??= loadBackend();
    return backend;
  });
  scope.postMessage(reply, transfer);
};
