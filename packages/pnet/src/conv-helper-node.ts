// Node side of the WebAssembly kernels' threads: each helper runs in a worker_threads worker,
// blocked in Atomics.wait between calls (see ops/wasm-conv-threads.ts).
import { Worker } from 'node:worker_threads';
import { CONV_HELPER_PROGRAM } from './ops/conv-helper-program.js';
import { type ConvHelper, type ConvHelperInit, helperHandle } from './ops/wasm-conv-threads.js';

/** The worker's program: an ES module from a data: URL, `init` taken from its workerData. */
const HELPER_SOURCE = `import { workerData } from 'node:worker_threads';\nconst init = workerData;\n${CONV_HELPER_PROGRAM}`;

/** Starts a helper; it does not keep the process alive. @internal */
export function spawnNodeConvHelper(init: ConvHelperInit): ConvHelper {
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(HELPER_SOURCE)}`), { workerData: init });
  const { handle, fail } = helperHandle(() => void worker.terminate());
  // No 'message' listener: it would keep the process alive.
  worker.on('error', (error) => fail(error.message));
  worker.on('exit', (code) => fail(`worker exited with code ${code}`));
  worker.unref();
  return handle;
}
