// Node side of the threaded WebAssembly build: the helper instance runs in a worker_threads
// worker, blocked in memory.atomic.wait between tasks (see src/wasm-threads.ts).
import { Worker } from 'node:worker_threads';
import { HELPER_PROGRAM } from './wasm-helper-program.js';
import { type HelperInit, type HelperWorker, helperHandle } from './wasm-threads.js';

/** The worker's program: an ES module from a data: URL, `init` taken from its workerData. */
const HELPER_SOURCE = `import { workerData } from 'node:worker_threads';\nconst init = workerData;\n${HELPER_PROGRAM}`;

/** Starts the helper worker; it does not keep the process alive. @internal */
export function spawnNodeHelper(init: HelperInit): HelperWorker {
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(HELPER_SOURCE)}`), { workerData: init });
  const { handle, fail } = helperHandle(() => void worker.terminate());
  // No 'message' listener: it would keep the process alive.
  worker.on('error', (error) => fail(error.message));
  worker.on('exit', (code) => fail(`worker exited with code ${code}`));
  worker.unref();
  return handle;
}
