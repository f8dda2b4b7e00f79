// The program of a helper thread of the WebAssembly kernels, shared by Node's worker_threads and
// browsers' Web Workers. Plain JavaScript source (run from a data: or blob: URL) rather than a
// module file, so it runs the same from src/ under a test runner, from dist/ and from any bundle.

/**
 * Statements that run a helper given `init` (a ConvHelperInit) in scope: instantiate the kernels
 * on the shared memory with its own stack, report ready, then for every call wait for the next
 * sequence number, claim and run parts until none is left, and count itself done. A trap
 * in a part sets the failed word (the caller throws and stops the threads) and is still counted,
 * so the caller never waits forever. Word indices mirror wasm-conv-threads.ts.
 * @internal
 */
export const CONV_HELPER_PROGRAM = `
const { module, memory, memoryBase, stackTop, control, index } = init;
const SEQ = 0, DONE = 1, PARTS = 2, FAILED = 3, READY = 4, NEXT = 5;
const words = new Int32Array(memory.buffer, control, 8);
const global = (value, mutable) => new WebAssembly.Global({ value: 'i32', mutable }, value);
const env = {
  memory,
  __memory_base: global(memoryBase, false),
  __stack_pointer: global(stackTop & ~15, true),
  malloc() { return 0; },
  free() {},
};
const { exports } = new WebAssembly.Instance(module, { env });
if (exports.__wasm_call_ctors) exports.__wasm_call_ctors();
// The sequence number before announcing readiness: a call started right after would otherwise be missed.
let seen = Atomics.load(words, SEQ);
Atomics.add(words, READY, 1);
for (;;) {
  Atomics.wait(words, SEQ, seen);
  seen = Atomics.load(words, SEQ);
  const parts = Atomics.load(words, PARTS);
  try {
    for (let k = Atomics.add(words, NEXT, 1); k < parts; k = Atomics.add(words, NEXT, 1)) exports.pnet_run_part(k);
  } catch (error) {
    Atomics.store(words, FAILED, 1);
  }
  Atomics.add(words, DONE, 1);
  Atomics.notify(words, DONE);
}
`;
