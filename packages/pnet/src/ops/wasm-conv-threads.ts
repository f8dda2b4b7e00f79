// Threads for the WebAssembly kernels (wasm/pnet-conv-threads.wasm): the kernels on a shared
// memory of the package's own, one instance per helper. tfjs' single-threaded wasm heap cannot be
// shared, so the helpers' inputs are copied in and their output back. A forward call with at least
// one output slice per thread is split by slices: this thread computes its share in place on
// tfjs' heap (the single-threaded kernels) while the helpers claim parts of the rest (ranges of
// output rows, four per helper). Other calls (one slice, filter gradients) are copied in whole
// and every thread claims parts (gradients sum the parts' accumulators in part order). Helpers
// wait in Atomics.wait between calls. The runtime-specific part (starting a worker) is passed in,
// so Node and browsers share this.
import type { NativeConv } from './native-conv.js';
import { type ConvExports, dylinkMemory, instantiateSideModule, throwIfError } from './side-module.js';
import { conv2dArguments, dimsOf, filterGradientArguments, type HeapConv, loadWasmConv, wasmConvModules } from './wasm-conv.js';
import { convolutionThreadCount } from './thread-count.js';

/** What a helper worker needs: the compiled module, the shared memory, where the data and its stack are, the control words. @internal */
export interface ConvHelperInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  memoryBase: number;
  stackTop: number;
  /** Byte offset of the control words: [call sequence, helpers done, parts, failed, helpers ready, next part]. */
  control: number;
  /** This helper's number (1 … threads − 1; the calling thread is 0). */
  index: number;
}

/** A started helper worker. @internal */
export interface ConvHelper {
  /** Calls `listener` once if the worker fails to start or exits. */
  onFailure(listener: (reason: string) => void): void;
  terminate(): void;
}

/**
 * A {@link ConvHelper} for a runtime's worker: `fail` reports the first failure to the listeners
 * (registered before or after it), `terminate` stops the worker. @internal
 */
export function helperHandle(terminate: () => void): { handle: ConvHelper; fail: (reason: string) => void } {
  let reason: string | undefined;
  const listeners: ((reason: string) => void)[] = [];
  const fail = (why: string): void => {
    reason ??= why;
    for (const listener of listeners.splice(0)) listener(reason);
  };
  const handle: ConvHelper = {
    onFailure(listener) {
      if (reason !== undefined) listener(reason);
      else listeners.push(listener);
    },
    terminate,
  };
  return { handle, fail };
}

/** Starts a helper worker (runtime-specific). @internal */
export type SpawnConvHelper = (init: ConvHelperInit) => ConvHelper;

/** Indices of the int32 control words (mirrored in conv-helper-program.ts). */
const SEQ = 0;
const DONE = 1;
const PARTS = 2;
const FAILED = 3;
const READY = 4;
const NEXT = 5;
/**
 * Parts per thread of a call: threads claim the next part as they finish one, so a thread slowed
 * by others' work (or with the heavier rows) does not hold the call up.
 */
const PARTS_PER_THREAD = 4;
/** Most parts a call can be planned in (wasm_api.cpp's kMaxParts). */
const MAX_PARTS = 16;
const PAGE = 65536;
const STACK_BYTES = 64 * 1024;
/** How long helpers may take to start before the kernels stay on one thread. */
const START_TIMEOUT_MS = 10_000;

const align = (n: number, to = 16) => Math.ceil(n / to) * to;

/** The shared memory, its instance on this thread, the helpers, and a per-call arena. */
class ConvThreads {
  private top: number;
  private readonly words: Int32Array;

  constructor(
    readonly threads: number,
    private readonly exports: ConvExports,
    private readonly memory: WebAssembly.Memory,
    control: number,
    private readonly arenaBase: number,
    private readonly helpers: ConvHelper[],
    arena: { alloc: (bytes: number) => number },
  ) {
    this.top = arenaBase;
    // The control words lie below the arena; a shared buffer is never detached by growth.
    this.words = new Int32Array(memory.buffer, control, 8);
    arena.alloc = (bytes) => this.alloc(bytes);
  }

  /** Reserves `bytes` in the arena (growing the memory), or 0 when the memory cannot grow. */
  alloc(bytes: number): number {
    const at = align(this.top);
    const end = at + Math.max(bytes, 4);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        return 0;
      }
    }
    this.top = end;
    return at;
  }

  /** Copies `a` into the arena; its offset. */
  private put(a: Float32Array): number {
    const at = this.alloc(a.byteLength);
    if (at === 0) throw new RangeError('conv2d: out of memory for the workspace');
    new Float32Array(this.memory.buffer, at, a.length).set(a);
    return at;
  }

  /** Reserves room for `floats` values in the arena; its offset. */
  private reserve(floats: number): number {
    const at = this.alloc(floats * 4);
    if (at === 0) throw new RangeError('conv2d: out of memory for the workspace');
    return at;
  }

  /**
   * Runs a planned call on the helpers and, unless `own` is given, this thread (claiming parts
   * like them); with `own`, this thread runs that instead. Throws if a helper trapped.
   */
  private run(planned: number, own?: () => void): void {
    throwIfError(this.memory, planned);
    const w = this.words;
    const parts = this.exports.pnet_parts();
    Atomics.store(w, PARTS, parts);
    Atomics.store(w, NEXT, 0);
    Atomics.store(w, DONE, 0);
    Atomics.store(w, FAILED, 0);
    Atomics.add(w, SEQ, 1);
    Atomics.notify(w, SEQ);
    // An error in this thread's own share (another module instance) still lets the call finish.
    let ownError: { error: unknown } | undefined;
    try {
      if (own === undefined) for (let k = Atomics.add(w, NEXT, 1); k < parts; k = Atomics.add(w, NEXT, 1)) this.exports.pnet_run_part(k);
      else {
        try {
          own();
        } catch (error) {
          ownError = { error };
        }
      }
    } finally {
      // Browser main threads may not block: they spin (the call is synchronous either way).
      const canBlock = typeof (globalThis as { window?: unknown }).window === 'undefined';
      for (let done = Atomics.load(w, DONE); done < this.helpers.length; done = Atomics.load(w, DONE)) {
        if (canBlock) Atomics.wait(w, DONE, done, 50);
      }
    }
    this.exports.pnet_finish();
    if (Atomics.load(w, FAILED) !== 0) {
      this.stop();
      throw new Error('conv2d: a WebAssembly helper thread failed; the kernels run on one thread from now on');
    }
    if (ownError !== undefined) throw ownError.error;
  }

  /** Parts a call is planned in: PARTS_PER_THREAD per thread, at most MAX_PARTS. */
  private parts(threads = this.threads): number {
    return Math.min(MAX_PARTS, threads * PARTS_PER_THREAD);
  }

  /** The threaded module's Winograd switch (its instances share it: the flag lives in the shared memory). */
  setWinograd(on: boolean): void {
    this.exports.pnet_set_winograd(on ? 1 : 0);
  }

  /**
   * conv2d on all threads; `heap` validates the original arguments first (the same errors as one
   * thread). With at least one output slice (batch item or depth slice) per thread, the slices are
   * shared out: this thread computes its share where the tensors are, on tfjs' heap, while the
   * helpers compute the rest in the shared memory, so only their share is copied in and out
   * (R-Net on a 96³ region spent a fifth of its time copying every layer both ways). Each slice
   * is computed by the same kernel either way, so the output does not depend on the split.
   */
  conv2d(heap: HeapConv, ...args: Parameters<NativeConv['conv2d']>): void {
    heap.check('conv2d', conv2dArguments(heap.memory, ...args));
    const [x, filter, bias, out, dims, relu] = args;
    const d = dimsOf(dims);
    const [n, kd, dd] = [d[0]!, d[13]!, d[14]!];
    const halo = (kd - 1) * dd;
    const slices = n - halo;
    // Helpers stopped (a failure, or threads changed) while an older handle is still in use: one thread.
    if (this.helpers.length === 0) {
      heap.conv2d(...args);
      return;
    }
    // Output slices [0, here) on this thread, in place; [here, slices) on the helpers, from input
    // slices [here, n). With fewer slices than threads, here = 0: the whole call is copied and
    // every thread, this one too, claims its parts.
    const here = Math.floor(slices / (this.helpers.length + 1));
    const inSlice = x.length / n;
    const outSlice = out.length / slices;
    const hx = x.subarray(here * inSlice);
    const hOut = (slices - here) * outSlice;
    this.top = this.arenaBase;
    const at = [this.put(hx), this.put(filter), bias === null ? 0 : this.put(bias), this.reserve(hOut)];
    const parts = this.parts(here > 0 ? this.helpers.length : this.threads);
    const planned = this.exports.pnet_plan_conv2d(at[0]!, hx.length, at[1]!, filter.length, at[2]!, bias?.length ?? 0, at[3]!, hOut, n - here, ...d.slice(1), relu ? 1 : 0, parts);
    // The heap may grow during this thread's share (its workspace comes from tfjs' malloc): the output is found again by offset.
    const outAt = out.byteOffset + here * outSlice * 4;
    const ownDims = [here + halo, ...d.slice(1)];
    const own = () => heap.conv2d(x.subarray(0, (here + halo) * inSlice), filter, bias, out.subarray(0, here * outSlice), ownDims, relu);
    this.run(planned, here > 0 ? own : undefined);
    new Float32Array(heap.memory.buffer, outAt, hOut).set(new Float32Array(this.memory.buffer, at[3], hOut));
  }

  /** filterGradient through the shared memory, validated like conv2d. */
  filterGradient(heap: HeapConv, ...args: Parameters<NativeConv['filterGradient']>): void {
    heap.check('filterGradient', filterGradientArguments(heap.memory, ...args));
    const [x, dy, dfilter, dbias, dims] = args;
    this.top = this.arenaBase;
    const at = [this.put(x), this.put(dy), this.reserve(dfilter.length), dbias === null ? 0 : this.reserve(dbias.length)];
    const planned = this.exports.pnet_plan_filter_gradient(at[0]!, x.length, at[1]!, dy.length, at[2]!, dfilter.length, at[3]!, dbias?.length ?? 0, ...dimsOf(dims), this.parts());
    this.run(planned);
    dfilter.set(new Float32Array(this.memory.buffer, at[2], dfilter.length));
    if (dbias !== null) dbias.set(new Float32Array(this.memory.buffer, at[3], dbias.length));
  }

  stop(): void {
    for (const helper of this.helpers.splice(0)) helper.terminate();
    if (active === this) active = undefined;
  }
}

let active: ConvThreads | undefined;

/**
 * Starts `threads` − 1 helper workers on a new shared memory with `module` (the threaded build);
 * resolves once all wait for calls. Rejects (helpers stopped) if one fails or they take over 10 s;
 * the kernels then stay on one thread. Replaces the running threads. @internal
 */
export async function startConvThreads(module: WebAssembly.Module, threads: number, spawn: SpawnConvHelper): Promise<void> {
  stopConvThreads();
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
  const { size, align: log2 } = dylinkMemory(module);
  const memoryBase = align(1024, 2 ** log2);
  const control = align(memoryBase + size, 64);
  const stacks = align(control + 64);
  const arenaBase = stacks + threads * STACK_BYTES;
  const arena = { alloc: (_bytes: number) => 0 };
  const exports = instantiateSideModule(module, {
    memory,
    memoryBase,
    stackTop: stacks + STACK_BYTES,
    malloc: (bytes) => arena.alloc(bytes),
    free: () => {},
  });
  const helpers: ConvHelper[] = [];
  let failure: string | undefined;
  for (let index = 1; index < threads; index++) {
    const helper = spawn({ module, memory, memoryBase, stackTop: stacks + (index + 1) * STACK_BYTES, control, index });
    helper.onFailure((reason) => {
      failure ??= reason;
    });
    helpers.push(helper);
  }
  const pool = new ConvThreads(threads, exports, memory, control, arenaBase, helpers, arena);
  const words = new Int32Array(memory.buffer, control, 8);
  const started = Date.now();
  while (Atomics.load(words, READY) < threads - 1) {
    if (failure !== undefined || Date.now() - started > START_TIMEOUT_MS) {
      pool.stop();
      throw new Error(`pnet: WebAssembly convolution threads did not start: ${failure ?? 'timed out'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  active = pool;
}

/** Stops the helper threads; the kernels run on one thread (zero-copy on tfjs' heap). @internal */
export function stopConvThreads(): void {
  active?.stop();
}

/** Threads running the kernels now (1 when no helpers run). @internal */
export function convThreadCount(): number {
  return active?.threads ?? 1;
}

/**
 * Flops per float copied below which a layer stays on the calling thread (zero-copy on tfjs'
 * heap): 2·KH·KW·Cin·Cout / (Cin + Cout) is the work per input-plus-output value. Measured
 * (bench/conv-kernels-bench.mjs) when every threaded layer was copied whole: 1×1 16→4 (6 flops
 * per value) copies as long as it computes and 3×3 1→64 (18) ran 1.6× slower on 2 threads,
 * while 3×3 16→16 (144) and wider layers gain. Copying only the helpers' share halves the copies,
 * but the ratio still orders the layers, so the threshold was kept.
 */
const MIN_FLOPS_PER_COPIED_VALUE = 64;

/** Whether the layer of `dims` ([N, H, W, Cin, KH, KW, Cout, …, KD?]) does enough work per copied value for the threads. */
function worthThreads(dims: number[]): boolean {
  const [, , , cin = 0, kh = 0, kw = 0, cout = 0] = dims;
  const kd = dims[13] ?? 1;
  return (2 * kd * kh * kw * cin * cout) / (cin + cout) >= MIN_FLOPS_PER_COPIED_VALUE;
}

/**
 * The threaded kernels with the addon's interface, validating through `heap`; undefined without
 * helpers. Layers with little work per value ({@link worthThreads}) run on `heap` alone. @internal
 */
export function threadedConv(heap: HeapConv): NativeConv | undefined {
  const pool = active;
  if (pool === undefined) return undefined;
  return {
    isa: 'wasm-simd-threads',
    setWinograd: (on) => {
      heap.setWinograd(on);
      pool.setWinograd(on);
    },
    conv2d: (...args) => (Array.isArray(args[4]) && worthThreads(args[4]) ? pool.conv2d(heap, ...args) : heap.conv2d(...args)),
    filterGradient: (...args) => (Array.isArray(args[4]) && worthThreads(args[4]) ? pool.filterGradient(heap, ...args) : heap.filterGradient(...args)),
  };
}

let runtime: { spawn: SpawnConvHelper; defaultThreads: () => number } | undefined;
let startError: unknown;

/** How this runtime starts helper workers and how many threads it uses by default (set by the entries). @internal */
export function setConvThreadRuntime(spawn: SpawnConvHelper, defaultThreads: () => number): void {
  runtime = { spawn, defaultThreads };
}

/** Why the helper threads did not start, if they did not. @internal */
export function convThreadsError(): unknown {
  return startError;
}

/**
 * Loads the kernels and starts (or stops) helper threads so that `threads` threads run them
 * (default: the runtime's choice; 1 where shared memory is unavailable). Never rejects: on
 * failure the kernels run on one thread. @internal
 */
export async function prepareWasmConv(threads?: number): Promise<void> {
  await loadWasmConv();
  const wanted = convolutionThreadCount(threads ?? runtime?.defaultThreads() ?? 1);
  if (wanted === convThreadCount()) return;
  const module = wasmConvModules()?.threads;
  if (wanted === 1 || module === undefined || runtime === undefined || typeof SharedArrayBuffer === 'undefined') {
    stopConvThreads();
    return;
  }
  try {
    await startConvThreads(module, wanted, runtime.spawn);
    startError = undefined;
  } catch (error) {
    startError = error;
  }
}
