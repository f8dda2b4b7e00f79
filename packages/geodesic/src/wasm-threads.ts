// The threaded WebAssembly build: the module instantiated on a shared memory, plus a second
// instance of it in a worker that runs the exact solver's second slab (native/core/threads.cpp).
// The runtime-specific part (starting the worker) is passed in, so Node and browsers share this.
import { GeodesicBackendError } from './errors.js';
import { type WasmBackend, type WasmBackendOptions, type WasmExports, wasmImports, wrapInstance } from './wasm-backend.js';

/** Exports only the threaded build has. */
interface ThreadedExports extends WasmExports {
  geodesic_helper_slot(): number;
  emscripten_stack_init(): void;
  emscripten_stack_get_base(): number;
  emscripten_stack_get_end(): number;
  /** Sets the limits the stack-overflow checks compare against (highest, lowest address). */
  __set_stack_limits(base: number, end: number): void;
  geodesic_test_trap_helper(trap: number): void;
}

/** Hand-over states of the slot (mirror native/core/threads.cpp). @internal */
export const HelperState = { none: 0, idle: 1, dead: 5 } as const;

/** What the helper worker needs: the compiled module, the memory, its stack and the slot. @internal */
export interface HelperInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Initial stack pointer of the helper instance (its own 1 MB region of the heap). */
  stackTop: number;
  /** Lowest address of that region: the helper traps when its stack would pass it. */
  stackLimit: number;
  /** Address of the hand-over slot. */
  slot: number;
}

/** A started helper worker. @internal */
export interface HelperWorker {
  /** Calls `listener` once if the worker fails or exits (it is then unusable). */
  onFailure(listener: (reason: string) => void): void;
  /** Stops the worker. */
  terminate(): void;
}

/**
 * A {@link HelperWorker} for a runtime's worker object: `fail` reports the first failure to the
 * listeners (registered before or after it), `terminate` stops the worker. @internal
 */
export function helperHandle(terminate: () => void): { handle: HelperWorker; fail: (reason: string) => void } {
  let reason: string | undefined;
  const listeners: ((reason: string) => void)[] = [];
  const fail = (why: string): void => {
    reason ??= why;
    for (const listener of listeners.splice(0)) listener(reason);
  };
  const handle: HelperWorker = {
    onFailure(listener) {
      if (reason !== undefined) listener(reason);
      else listeners.push(listener);
    },
    terminate,
  };
  return { handle, fail };
}

/** Starts the helper worker (runtime-specific). @internal */
export type SpawnHelper = (init: HelperInit) => HelperWorker;

/** Shared memory matching the threaded build's import (16 MB initial, 4 GB maximum). */
const PAGES_INITIAL = 256;
const PAGES_MAXIMUM = 65536;
const HELPER_STACK_BYTES = 1 << 20;
/** How long the helper may take to start before the single-threaded build is used instead. */
const START_TIMEOUT_MS = 10_000;

/** Thread choice and test hooks of the threaded backend. @internal */
export interface ThreadedOptions {
  /** Called per computation: 1 keeps it on one thread (e.g. `DEEPIGEOS_GEODESIC_THREADS=1`), 0 automatic. */
  threadSetting: () => number;
  /** Test hook: the helper's stack size in bytes (default 1 MB). */
  helperStackBytes?: number;
}

/** The threaded backend with its failure-test hook. @internal */
export interface ThreadedWasmBackend extends WasmBackend {
  /** Test hook: the helper traps when it takes its next task. */
  trapHelperOnNextTask(): void;
}

/**
 * The threaded build from `threaded` if given and it starts, else the single-threaded build from
 * `single` (same maps, one thread). @internal
 */
export async function threadedOrSingle(threaded: (() => Promise<WasmBackend>) | undefined, single: () => Promise<WasmBackend>): Promise<WasmBackend> {
  if (threaded !== undefined) {
    try {
      return await threaded();
    } catch {
      // No helper thread: the single-threaded build gives the same maps.
    }
  }
  return single();
}

/**
 * Instantiates the threaded build and starts its helper worker; resolves once the helper waits
 * for tasks. Rejects (with the worker stopped) if it fails, exits or takes longer than 10 s to
 * start; the caller then uses the single-threaded build.
 * @internal
 */
export async function createThreadedWasmBackend(bytes: BufferSource, spawn: SpawnHelper, options: ThreadedOptions): Promise<ThreadedWasmBackend> {
  const module = await WebAssembly.compile(bytes);
  const memory = new WebAssembly.Memory({ initial: PAGES_INITIAL, maximum: PAGES_MAXIMUM, shared: true });
  const instance = await WebAssembly.instantiate(module, wasmImports(memory));
  const exports = instance.exports as unknown as ThreadedExports;
  exports._initialize();
  // The build checks stack-pointer moves against per-instance limits: set this instance's.
  exports.emscripten_stack_init();
  exports.__set_stack_limits(exports.emscripten_stack_get_base(), exports.emscripten_stack_get_end());
  const stackBytes = options.helperStackBytes ?? HELPER_STACK_BYTES;
  const stack = exports.geodesic_alloc(stackBytes + 32);
  const slot = exports.geodesic_helper_slot();
  // One view: a shared memory's buffer is never detached, and the slot lies in static data.
  const slotWords = new Int32Array(memory.buffer);
  const word = (offset: number): number => Atomics.load(slotWords, (slot + offset) >> 2);
  let failure: string | undefined;
  const worker = spawn({ module, memory, stackTop: (stack + 16 + stackBytes) & ~15, stackLimit: (stack + 31) & ~15, slot });
  worker.onFailure((reason) => {
    failure ??= reason;
    // Never post work to a dead helper (the worker marks the slot itself if it traps mid-task).
    Atomics.store(slotWords, slot >> 2, HelperState.dead);
  });
  const started = Date.now();
  while (word(0) !== HelperState.idle) {
    if (failure !== undefined || word(0) === HelperState.dead || Date.now() - started > START_TIMEOUT_MS) {
      worker.terminate();
      throw new GeodesicBackendError(`geodesic wasm helper thread did not start: ${failure ?? 'timed out'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const alive = (): boolean => word(0) !== HelperState.dead;
  const backendOptions: WasmBackendOptions = {
    threadSetting: options.threadSetting,
    threads: () => (alive() && options.threadSetting() !== 1 ? 2 : 1),
    helperTasks: () => word(16),
    explainTrap: (error) =>
      alive() ? undefined : new GeodesicBackendError(`geodesic wasm helper thread failed: ${failure ?? 'it trapped'}`, { cause: error }),
  };
  const backend = await wrapInstance({ exports, memory }, backendOptions);
  return Object.assign(backend, { trapHelperOnNextTask: () => exports.geodesic_test_trap_helper(1) });
}
