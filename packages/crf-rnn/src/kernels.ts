// The WebAssembly kernels (native/*.cpp, built by scripts/build-wasm.sh into wasm/crf-kernels.wasm)
// and the state of which implementation runs. The layers call the kernels synchronously; until a
// module is installed (in browsers: until `ready()` resolves) they run the TypeScript loops, which
// compute the same functions (tested against each other).
import { BackendError } from '@deepigeos/core';

/** Window size K, the volume `[D, H, W]` and its padding per side `[pd, ph, pw]`, as the local-window kernels take them. */
export type GeometryArgs = [K: number, D: number, H: number, W: number, pd: number, ph: number, pw: number];

/**
 * The module's memory, typed by what the kernels use, so these declarations need no DOM or
 * WebAssembly typings in a user's TypeScript project.
 */
export interface KernelMemory {
  /** The heap (replaced when memory grows). */
  readonly buffer: ArrayBuffer;
}

/** Raw exports of the module (pointers are byte offsets into its memory). */
export interface KernelExports {
  memory: KernelMemory;
  _initialize(): void;
  crf_alloc(bytes: number): number;
  crf_free(ptr: number): void;
  crf_tabulate(...args: [scaled: number, table: number, bins: number, delta: number, ...geometry: GeometryArgs, out: number]): void;
  crf_binary_mean_field(
    ...args: [weights: number, delta: number, ...geometry: GeometryArgs, unaries: number, mu: number, iterations: number, seeds: number, seedLogit: number, out: number]
  ): number;
  crf_lattice_build(features: number, n: number, d: number, passes: number, featureScale: number, vertex: number, weight: number): number;
  crf_lattice_filter(
    n: number,
    d: number,
    m: number,
    passes: number,
    vertex: number,
    weight: number,
    neighbours: number,
    values: number,
    channels: number,
    reverse: number,
    scale: number,
    out: number,
  ): number;
}

/** Which implementation of the hot loops runs: the WebAssembly kernels or the TypeScript loops. */
export type KernelBackend = 'wasm' | 'typescript';

let installed: KernelExports | null = null;
let enabled = true;

function imports(): WebAssembly.Imports {
  return {
    // The standalone module reports heap growth; views are re-created after every allocation.
    env: { emscripten_notify_memory_growth: () => {} },
    wasi_snapshot_preview1: {
      proc_exit: (code: number) => {
        throw new Error(`crf-rnn kernels exited with code ${code}`);
      },
    },
  };
}

/** Instantiates a compiled module (a `WebAssembly.Module`) synchronously and makes it the active kernels. */
export function installKernels(module: object): void {
  const exports = new WebAssembly.Instance(module as WebAssembly.Module, imports()).exports as unknown as KernelExports;
  exports._initialize();
  installed = exports;
}

/** Instantiates module bytes asynchronously (browsers: no size limit) and makes them the active kernels. */
export async function installKernelsAsync(bytes: ArrayBuffer | ArrayBufferView): Promise<void> {
  installKernels(await WebAssembly.compile(bytes as BufferSource));
}

/** The active kernels, or null when the TypeScript loops must run. */
export function kernels(): KernelExports | null {
  return enabled ? installed : null;
}

/**
 * The implementation the layers and `createLattice` use right now: `'wasm'` once the kernels are
 * loaded (at import in Node, after `ready()` in browsers), `'typescript'` before that.
 */
export function kernelBackend(): KernelBackend {
  return kernels() === null ? 'typescript' : 'wasm';
}

/** Switches the kernels off (`false`) or back on; for tests and benchmarks comparing both paths. @internal */
export function setKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Thrown inside the wasm paths when the module's memory is exhausted; callers fall back to TypeScript. */
export class KernelMemoryError extends BackendError {
  override name = 'KernelMemoryError';
}

/** Throws {@link KernelMemoryError} for a kernel that reported exhausted scratch memory. */
export function outOfMemory(what: string): never {
  throw new KernelMemoryError(`crf-rnn kernels: out of WebAssembly memory in ${what}`);
}

/**
 * Allocations in the module's memory for one kernel call: `alloc` reserves bytes (throwing
 * {@link KernelMemoryError} when the heap cannot grow), views are taken after all allocations
 * (growth detaches older buffers), and `release` frees everything.
 */
export class Scratch {
  private readonly pointers: number[] = [];
  constructor(readonly k: KernelExports) {}

  alloc(bytes: number): number {
    const ptr = this.k.crf_alloc(bytes);
    if (ptr === 0) throw new KernelMemoryError(`crf-rnn kernels: out of WebAssembly memory (${bytes} bytes requested)`);
    this.pointers.push(ptr);
    return ptr;
  }

  /** Allocates and fills with `data`; returns the pointer. */
  put(data: Float32Array | Int32Array | Int8Array): number {
    const ptr = this.alloc(data.byteLength);
    new Uint8Array(this.k.memory.buffer, ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return ptr;
  }

  /** A copy of `length` floats at `ptr`. */
  floats(ptr: number, length: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, ptr, length).slice();
  }

  release(): void {
    for (const ptr of this.pointers) this.k.crf_free(ptr);
    this.pointers.length = 0;
  }
}

/** Runs `wasm` with the active kernels, or `ts` when there are none or their memory is exhausted. */
export function withKernels<T>(wasm: (k: KernelExports) => T, ts: () => T): T {
  const k = kernels();
  if (k === null) return ts();
  try {
    return wasm(k);
  } catch (error) {
    if (error instanceof KernelMemoryError) return ts();
    throw error;
  }
}
