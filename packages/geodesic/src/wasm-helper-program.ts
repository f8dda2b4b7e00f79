// The helper instance's program, shared by Node's worker_threads helper and the browser's nested
// Web Worker. It is plain JavaScript source (run from a data: or blob: URL) rather than a module
// file, so it runs the same from src/ under a test runner, from dist/, and from any bundle.

/**
 * Statements that run the helper given `init` (a {@link HelperInit}) in scope: instantiate the
 * module on the shared memory, switch to its own guarded stack (a trap, not heap corruption, if it
 * overflows), and serve tasks forever. If the instance
 * traps, the slot is marked dead and the solver's stop flag raised, so the thread waiting in the
 * solver ends instead of waiting forever; the error is rethrown (the worker's 'error' event).
 * @internal
 */
export const HELPER_PROGRAM = `
const { module, memory, stackTop, stackLimit, slot } = init;
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
  // Limits first: every stack-pointer move, stackRestore's included, is checked against them.
  exports.__set_stack_limits(stackTop, stackLimit);
  exports.stackRestore(stackTop);
  exports.geodesic_helper_run();
  throw new Error('helper loop returned');
} catch (error) {
  if (memory instanceof WebAssembly.Memory) markDead();
  throw error;
}
`;
