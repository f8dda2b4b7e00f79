import { GeodesicBackendError, GeodesicRangeError } from './errors.js';
import { type Backend, type CoreScalars, coreScalars, type GeodesicMethod, type GeodesicRequest } from './types.js';
import { validateRequest } from './validate.js';

/** Exports of both builds (wasm/geodesic.wasm and wasm/geodesic-threads.wasm). @internal */
export interface WasmExports {
  _initialize(): void;
  geodesic_alloc(bytes: number): number;
  geodesic_free(ptr: number): void;
  /** Last argument: 0 = automatic thread choice, 1 = one thread. */
  geodesic_compute(image: number, seeds: number, out: number, ...scalarsAndThreads: [...CoreScalars, number]): number;
  geodesic_set_split(voxels: number, depth: number): void;
}

/** Core status codes (geodesic::Status) → the argument they blame. */
const STATUS_ARGUMENT: Record<number, string> = {
  2: 'shape',
  3: 'options.channels',
  4: 'shape',
  5: 'options.spacing',
  6: 'options.lambda',
  7: 'options.iterations',
  8: 'options.method',
  9: 'image',
};

/** The core's default smallest volume split between two threads (geodesic::Params). */
const DEFAULT_SPLIT: readonly [number, number] = [2 ** 20, 16];

class WasmProcExit extends Error {}

/** Imports of both builds; `memory` is given to the threaded build (it imports a shared one). @internal */
export function wasmImports(memory?: WebAssembly.Memory): WebAssembly.Imports {
  return {
    // The module reports heap growth; the JS views are re-created on every call anyway.
    env: { emscripten_notify_memory_growth: () => {}, ...(memory === undefined ? {} : { memory }) },
    wasi_snapshot_preview1: {
      proc_exit: (code: number) => {
        throw new WasmProcExit(`geodesic wasm exited with code ${code}`);
      },
    },
  };
}

/** A module instance and the memory it computes in. @internal */
export interface WasmInstance {
  exports: WasmExports;
  memory: WebAssembly.Memory;
}

/** Per-build behaviour of a WASM backend. @internal */
export interface WasmBackendOptions {
  /** Thread setting passed on every call: 0 automatic, 1 one thread. Default: always 0. */
  threadSetting?: () => number;
  /** Threads 'exact' may use on large 3D volumes (what {@link Backend.threads} reports). Default 1. */
  threads?: () => number;
  /** Explains a trap (e.g. the helper thread died); the default reports the trap itself. */
  explainTrap?: (error: unknown) => Error | undefined;
  /** Helper tasks run so far (threaded build; tests check the helper did work). */
  helperTasks?: () => number;
}

/** A WASM backend with its internal test hooks. @internal */
export interface WasmBackend extends Backend {
  /** Test hook: the smallest volume (voxels, planes) 'exact' splits between two threads. */
  setSplit(voxels: number, depth: number): void;
  /** Helper tasks run so far (0 without a helper). */
  helperTasks(): number;
}

/**
 * Instantiates the single-threaded WebAssembly build from its bytes.
 * @throws GeodesicBackendError if the bytes are not a valid module.
 */
export async function createWasmBackend(bytes: BufferSource): Promise<WasmBackend> {
  let instance: WasmInstance;
  try {
    const { instance: raw } = await WebAssembly.instantiate(bytes, wasmImports());
    const exports = raw.exports as unknown as WasmExports & { memory: WebAssembly.Memory };
    exports._initialize();
    instance = { exports, memory: exports.memory };
  } catch (error) {
    throw new GeodesicBackendError('geodesic wasm module could not be instantiated', { cause: error });
  }
  return wrapInstance(instance, {});
}

/**
 * The backend over an initialised instance; warms the solvers up (see {@link warmUp}).
 * @internal
 */
export async function wrapInstance(instance: WasmInstance, options: WasmBackendOptions): Promise<WasmBackend> {
  let wasm = instance.exports;
  const { memory } = instance;
  const threadSetting = options.threadSetting ?? (() => 0);
  const alloc = (bytesNeeded: number): number => {
    const ptr = wasm.geodesic_alloc(Math.max(bytesNeeded, 1));
    if (ptr === 0) {
      throw new GeodesicRangeError('shape', `input too large for the WebAssembly heap (${bytesNeeded} more bytes needed)`);
    }
    return ptr;
  };
  const backend: WasmBackend = {
    name: 'wasm',
    threads: options.threads ?? (() => 1),
    setSplit: (voxels, depth) => wasm.geodesic_set_split(voxels, depth),
    helperTasks: options.helperTasks ?? (() => 0),
    compute(r: GeodesicRequest): Float32Array {
      const voxels = r.depth * r.height * r.width;
      const pointers: number[] = [];
      try {
        const imagePtr = alloc(r.image.byteLength);
        pointers.push(imagePtr);
        const seedsPtr = alloc(voxels);
        pointers.push(seedsPtr);
        const outPtr = alloc(voxels * 4);
        pointers.push(outPtr);
        // Views are taken after all allocations: growing the memory detaches (or, when shared,
        // leaves short) older buffers.
        new Float32Array(memory.buffer, imagePtr, r.image.length).set(r.image);
        new Uint8Array(memory.buffer, seedsPtr, voxels).set(r.seeds);
        const status = wasm.geodesic_compute(imagePtr, seedsPtr, outPtr, ...coreScalars(r), threadSetting());
        if (status !== 0) {
          throw new GeodesicRangeError(STATUS_ARGUMENT[status] ?? 'arguments', `rejected by the wasm core (status ${status})`);
        }
        return new Float32Array(memory.buffer, outPtr, voxels).slice();
      } catch (error) {
        if (error instanceof WebAssembly.RuntimeError || error instanceof WasmProcExit) {
          // A trap (e.g. out of memory inside the core) may leave the heap inconsistent: stop using it.
          pointers.length = 0;
          const reported = options.explainTrap?.(error) ?? error;
          wasm = brokenInstance(reported);
          throw reported;
        }
        throw error;
      } finally {
        for (const ptr of pointers) wasm.geodesic_free(ptr);
      }
    },
  };
  warmUp(backend, options.threads?.() === 2);
  // One macrotask for the background compilation of the optimised code to land.
  await new Promise((resolve) => setTimeout(resolve, 0));
  return backend;
}

/**
 * Runs every solver once on a tiny volume (about 20 ms). V8 runs a WebAssembly function in its
 * baseline compiler until the function has done enough work, and cannot switch a running call
 * to the optimised code: without this, the first real map takes about 2.5× longer (measured on a
 * 512×512 'exact': 0.05 s instead of 0.02 s). With a helper thread, 'exact' also runs once split
 * in two, so the two-thread loop is warm too.
 */
function warmUp(backend: WasmBackend, split: boolean): void {
  const n = 20 * 20 * 20;
  const image = new Float32Array(n).map((_, i) => (i * 7919) % 13);
  const seeds = new Uint8Array(n);
  seeds[0] = 1;
  const runs: [GeodesicMethod, number][] = [
    ['exact', 1],
    ['exact', 0],
    ['raster', 1],
  ];
  for (const [method, lambda] of runs) backend.compute(validateRequest(image, seeds, [20, 20, 20], { method, lambda }));
  if (!split) return;
  backend.setSplit(1, 4);
  try {
    for (let i = 0; i < 3; i++) backend.compute(validateRequest(image, seeds, [20, 20, 20], { method: 'exact' }));
  } finally {
    backend.setSplit(...DEFAULT_SPLIT);
  }
}

/** Stand-in for an instance that trapped: every call reports the original failure. */
function brokenInstance(cause: unknown): WasmExports {
  const fail = (): never => {
    throw new GeodesicBackendError('geodesic wasm instance trapped in an earlier call and is no longer usable; restart the process or reload the page', {
      cause,
    });
  };
  return {
    _initialize: fail,
    geodesic_alloc: fail,
    geodesic_free: fail,
    geodesic_compute: fail,
    geodesic_set_split: fail,
  };
}
