// Node side of the threaded WebAssembly build: the helper instance runs in a worker_threads
// worker, blocked in memory.atomic.wait between tasks (see src/wasm-threads.ts).
import { Worker } from 'node:worker_threads';
import type { HelperInit, HelperWorker } from './wasm-threads.js';

/**
 * The worker's program, an ES module run from a data: URL (so it runs the same from src/ under a
 * test runner and from dist/, whatever module type the caller uses). If the helper instance traps, it marks the slot dead and raises the solver's stop
 * flag, so the main thread, waiting in the solver, ends instead of waiting forever.
 */
const HELPER_SOURCE = `
import { workerData } from 'node:worker_threads';
const { module, memory, stackTop, slot } = workerData;
const DEAD = 5;
function markDead() {
  const words = new Int32Array(memory.buffer);
  const stop = Atomics.load(words, (slot + 4) >> 2);
  if (stop !== 0) {
    Atomics.store(words, stop >> 2, 1);
    Atomics.notify(words, stop >> 2);
  }
  Atomics.store(words, slot >> 2, DEAD);
  Atomics.notify(words, slot >> 2);
}
try {
  const imports = {
    env: { memory, emscripten_notify_memory_growth() {} },
    wasi_snapshot_preview1: { proc_exit(code) { throw new Error('exited with code ' + code); } },
  };
  const { exports } = new WebAssembly.Instance(module, imports);
  exports.stackRestore(stackTop);
  exports.geodesic_helper_run();
  throw new Error('helper loop returned');
} catch (error) {
  markDead();
  throw error; // reported to the main thread as an 'error' event
}
`;

/** Starts the helper worker; it does not keep the process alive. @internal */
export function spawnNodeHelper(init: HelperInit): HelperWorker {
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(HELPER_SOURCE)}`), { workerData: init });
  let reason: string | undefined;
  const listeners: ((reason: string) => void)[] = [];
  const fail = (why: string): void => {
    reason ??= why;
    for (const listener of listeners.splice(0)) listener(reason);
  };
  // No 'message' listener: it would keep the process alive.
  worker.on('error', (error) => fail(error.message));
  worker.on('exit', (code) => fail(`worker exited with code ${code}`));
  worker.unref();
  return {
    onFailure(listener) {
      if (reason !== undefined) listener(reason);
      else listeners.push(listener);
    },
    terminate() {
      void worker.terminate();
    },
  };
}
