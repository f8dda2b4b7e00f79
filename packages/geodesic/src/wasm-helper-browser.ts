// Browser side of the threaded WebAssembly build: the helper instance runs in a nested Web Worker
// started by the worker that serves geodesicDistanceAsync, blocked in memory.atomic.wait between
// tasks (see src/wasm-threads.ts). Only a cross-origin isolated context can share the memory.
import { HELPER_PROGRAM } from './wasm-helper-program.js';
import { type HelperInit, type HelperWorker, helperHandle } from './wasm-threads.js';

/**
 * The worker's program, a classic script from a blob: URL (no file for a bundler to find or
 * miss); `init` is the first message. An uncaught error reaches the parent as an 'error' event.
 */
const HELPER_SOURCE = `self.onmessage = (event) => {
  self.onmessage = null;
  const init = event.data;
${HELPER_PROGRAM}
};
self.onmessageerror = () => { throw new Error('could not receive the module and the shared memory'); };`;

/** Starts the helper worker and sends it the module, the shared memory, its stack and the slot. @internal */
export function spawnBrowserHelper(init: HelperInit): HelperWorker {
  const url = URL.createObjectURL(new Blob([HELPER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url, { name: 'geodesic-wasm-helper' });
  const { handle, fail } = helperHandle(() => {
    worker.terminate();
    URL.revokeObjectURL(url);
  });
  worker.onerror = (event) => {
    event.preventDefault(); // reported through onFailure (the caller falls back), not as a page error
    fail(event.message || 'worker error');
  };
  try {
    worker.postMessage(init);
  } catch (error) {
    fail(`could not send the module and the shared memory: ${(error as Error).message}`); // e.g. not cross-origin isolated
  }
  return handle;
}
