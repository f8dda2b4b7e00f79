// Browser side of the WebAssembly kernels' threads: each helper runs in a Web Worker (a classic
// script from a blob: URL, no file for a bundler to find or miss), blocked in Atomics.wait
// between calls. Only cross-origin-isolated pages can share the memory.
import { CONV_HELPER_PROGRAM } from './ops/conv-helper-program.js';
import { type ConvHelper, type ConvHelperInit, helperHandle } from './ops/wasm-conv-threads.js';

/** The worker's program; `init` is the first message. */
const HELPER_SOURCE = `self.onmessage = (event) => {
  self.onmessage = null;
  const init = event.data;
${CONV_HELPER_PROGRAM}
};`;

/** Starts a helper and sends it the module, the shared memory, its stack and the control words. @internal */
export function spawnBrowserConvHelper(init: ConvHelperInit): ConvHelper {
  const url = URL.createObjectURL(new Blob([HELPER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url, { name: 'pnet-conv-helper' });
  const { handle, fail } = helperHandle(() => {
    worker.terminate();
    URL.revokeObjectURL(url);
  });
  worker.onerror = (event) => {
    event.preventDefault(); // reported through onFailure (the kernels stay on one thread), not as a page error
    fail(event.message || 'worker error');
  };
  try {
    worker.postMessage(init);
  } catch (error) {
    fail(`could not send the module and the shared memory: ${(error as Error).message}`);
  }
  return handle;
}
