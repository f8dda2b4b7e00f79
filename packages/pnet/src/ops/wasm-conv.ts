// The package's convolution kernels built for WebAssembly SIMD128 (native/wasm_api.cpp, built by
// scripts/build-wasm.sh into wasm/pnet-conv.wasm) and attached to tfjs-backend-wasm's own module:
// the kernels are a relocatable side module instantiated on tfjs' memory, with its data, stack and
// workspace allocated by tfjs' malloc, so they read and write tensors where tfjs keeps them (no
// copies). Runtime-neutral: the Node and browser entries only compile the module and hand it over.
import type { NativeConv } from './native-conv.js';
import { type ConvExports, dylinkMemory, instantiateSideModule, throwIfError } from './side-module.js';

/** The parts of tfjs-backend-wasm's emscripten module used here (no typings in tfjs). */
interface TfjsWasmModule {
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

/** Stack of the side module, carved from tfjs' heap once per backend: the kernels use < 1 KB. */
const STACK_BYTES = 64 * 1024;

/** The compiled kernels: for one thread on tfjs' heap, and the threaded build (shared memory). @internal */
export interface WasmConvModules {
  single: WebAssembly.Module;
  threads?: WebAssembly.Module;
}

let compiled: WasmConvModules | undefined;
let loadError: unknown;
let attachError: unknown;
let loader: (() => Promise<WasmConvModules>) | undefined;
let loading: Promise<void> | undefined;
const attached = new WeakMap<object, HeapConv | null>();

/** Installs the compiled kernels (the Node entry, at import), or records why they could not load. @internal */
export function setWasmConvModules(modules: WasmConvModules | undefined, error?: unknown): void {
  compiled = modules;
  loadError = error;
}

/** The compiled kernels, if loaded. @internal */
export function wasmConvModules(): WasmConvModules | undefined {
  return compiled;
}

/** Registers how to fetch and compile the modules asynchronously (the browser entry). @internal */
export function setWasmConvLoader(load: () => Promise<WasmConvModules>): void {
  loader = load;
}

/**
 * Loads the kernels if a loader is registered and they are not loaded yet (`initBackend` awaits
 * this); never rejects: without them the tfjs kernels run. @internal
 */
export function loadWasmConv(): Promise<void> {
  if (compiled !== undefined || loader === undefined) return Promise.resolve();
  loading ??= loader().then(
    (modules) => setWasmConvModules(modules),
    (error: unknown) => {
      loadError = error;
      loading = undefined; // a later initBackend may retry
    },
  );
  return loading;
}

/** Why the WebAssembly kernels are unavailable (not loaded, or refused by the backend they were attached to), if they are. @internal */
export function wasmConvLoadError(): unknown {
  return compiled === undefined ? (loadError ?? new Error('the WebAssembly kernels are not loaded yet')) : attachError;
}

/** tfjs-backend-wasm's emscripten module behind a backend object, if it is one (non-shared memory). */
function tfjsModule(backend: object): { wasm: TfjsWasmModule; memory: WebAssembly.Memory } | undefined {
  const wasm = (backend as { wasm?: TfjsWasmModule }).wasm;
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  if (wasm === undefined || !(memory instanceof WebAssembly.Memory) || typeof wasm._malloc !== 'function') return undefined;
  // tfjs' threaded build runs on shared memory, which this (single-threaded) module cannot import.
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return undefined;
  return { wasm, memory };
}

/** Instantiates the kernels on tfjs' module: data, bss and stack in tfjs' heap; malloc/free are tfjs'. */
function instantiate(module: WebAssembly.Module, wasm: TfjsWasmModule, memory: WebAssembly.Memory): ConvExports {
  const { size, align } = dylinkMemory(module);
  const alignment = Math.max(16, 2 ** align);
  const data = wasm._malloc(size + alignment);
  const stack = wasm._malloc(STACK_BYTES);
  try {
    if (data === 0 || stack === 0) throw new Error('no room on the wasm heap for the convolution kernels');
    const memoryBase = Math.ceil(data / alignment) * alignment;
    new Uint8Array(memory.buffer, memoryBase, size).fill(0);
    return instantiateSideModule(module, {
      memory,
      memoryBase,
      stackTop: stack + STACK_BYTES,
      malloc: (bytes) => wasm._malloc(bytes),
      free: (ptr) => wasm._free(ptr),
    });
  } catch (error) {
    for (const ptr of [data, stack]) if (ptr !== 0) wasm._free(ptr);
    throw error;
  }
}

/** Whether `a` is a Float32Array view of `memory` (what the kernels' pointers must be). */
function isHeapView(memory: WebAssembly.Memory, a: unknown): a is Float32Array {
  return a instanceof Float32Array && a.buffer === memory.buffer;
}

/** Byte offset of a heap view and its length, or 0, 0 for null where `optional`. */
function pointer(memory: WebAssembly.Memory, name: string, a: Float32Array | null, optional = false): [number, number] {
  if (optional && (a === null || a === undefined)) return [0, 0];
  if (!isHeapView(memory, a)) {
    throw new TypeError(`conv2d: ${name}: expected a Float32Array${optional ? ' or null' : ''} (a view of the wasm heap)`);
  }
  return [a.byteOffset, a.length];
}

/** The kernels' 15 dims: a conv2d's 13 get one depth tap (KD = dilationD = 1). @internal */
export function dimsOf(dims: number[]): number[] {
  if (!Array.isArray(dims) || (dims.length !== 13 && dims.length !== 15)) throw new TypeError('conv2d: dims: expected an array of 13 or 15 integers');
  const numbers = dims.map((d) => (typeof d === 'number' ? d : Number.NaN));
  return numbers.length === 13 ? [...numbers, 1, 1] : numbers;
}

/** The plan arguments of a conv2d call: the four arrays' offsets and lengths, dims, relu. @internal */
export function conv2dArguments(memory: WebAssembly.Memory, ...[x, filter, bias, out, dims, relu]: Parameters<NativeConv['conv2d']>): number[] {
  const d = dimsOf(dims);
  if (typeof relu !== 'boolean') throw new TypeError('conv2d: relu: expected a boolean');
  return [
    ...pointer(memory, 'x', x),
    ...pointer(memory, 'filter', filter),
    ...pointer(memory, 'bias', bias, true),
    ...pointer(memory, 'out', out),
    ...d,
    relu ? 1 : 0,
  ];
}

/** The plan arguments of a filterGradient call: the four arrays' offsets and lengths, dims. @internal */
export function filterGradientArguments(memory: WebAssembly.Memory, ...[x, dy, dfilter, dbias, dims]: Parameters<NativeConv['filterGradient']>): number[] {
  const d = dimsOf(dims);
  return [...pointer(memory, 'x', x), ...pointer(memory, 'dy', dy), ...pointer(memory, 'dfilter', dfilter), ...pointer(memory, 'dbias', dbias, true), ...d];
}

/** Runs a planned call on this thread alone. */
function runAlone(exports: ConvExports, memory: WebAssembly.Memory, planned: number): void {
  throwIfError(memory, planned);
  exports.pnet_run_part(0);
  exports.pnet_finish();
}

/** The kernels on tfjs' heap with the addon's interface (one thread); arrays must be views of that heap. @internal */
export interface HeapConv extends NativeConv {
  /** Validates a call's arguments without running it (a plan of 0 parts): throws the addon's errors. */
  check(kind: 'conv2d' | 'filterGradient', args: number[]): void;
  memory: WebAssembly.Memory;
  /**
   * Copies `rows` runs of `width` floats from heap view `src` (runs `srcStride` apart) to `dst`
   * (`dstStride` apart); both must hold every run.
   */
  copyRows(dst: Float32Array, dstStride: number, src: Float32Array, srcStride: number, rows: number, width: number): void;
  /**
   * Fills heap view `mask` with `scale` where a 16-bit draw is below `threshold` (else 0), from the
   * mulberry32 `state`; returns the next state.
   */
  dropoutMask(mask: Float32Array, threshold: number, scale: number, state: number): number;
  /** Writes the gradient through a ReLU into `dst`: `dy` where the ReLU's output `y` is positive, else 0 (heap views of one length). */
  reluGradient(dst: Float32Array, dy: Float32Array, y: Float32Array): void;
}

/** {@link HeapConv.dropoutMask} on a checked heap view. */
function maskDrawer(exports: ConvExports, memory: WebAssembly.Memory): HeapConv['dropoutMask'] {
  return (mask, threshold, scale, state) => {
    if (!isHeapView(memory, mask)) throw new TypeError('dropoutMask: mask: expected a Float32Array view of the wasm heap');
    return exports.pnet_dropout_mask(mask.byteOffset, mask.length, threshold, scale, state) >>> 0;
  };
}

/** {@link HeapConv.reluGradient} on checked heap views. */
function reluGradientKernel(exports: ConvExports, memory: WebAssembly.Memory): HeapConv['reluGradient'] {
  return (dst, dy, y) => {
    for (const [name, view] of [['dst', dst], ['dy', dy], ['y', y]] as const) {
      if (!isHeapView(memory, view)) throw new TypeError(`reluGradient: ${name}: expected a Float32Array view of the wasm heap`);
      if (view.length !== dst.length) throw new RangeError(`reluGradient: ${name} holds ${view.length} floats, dst ${dst.length}`);
    }
    exports.pnet_relu_gradient(dst.byteOffset, dy.byteOffset, y.byteOffset, dst.length);
  };
}

/** The strided copy of {@link HeapConv.copyRows}, with its bounds checked here (the kernel trusts them). */
function rowCopier(exports: ConvExports, memory: WebAssembly.Memory): HeapConv['copyRows'] {
  return (dst, dstStride, src, srcStride, rows, width) => {
    const sizes = [dstStride, srcStride, rows, width];
    if (sizes.some((n) => !Number.isInteger(n) || n < 0 || n > 0x7fffffff)) throw new RangeError('copyRows: strides and sizes must be integers in [0, 2^31)');
    for (const [name, view, stride] of [['dst', dst, dstStride], ['src', src, srcStride]] as const) {
      if (!isHeapView(memory, view)) throw new TypeError(`copyRows: ${name}: expected a Float32Array view of the wasm heap`);
      if (rows > 0 && view.length < (rows - 1) * stride + width) throw new RangeError(`copyRows: ${name} holds ${view.length} floats, the runs need ${(rows - 1) * stride + width}`);
    }
    if (rows > 0 && width > 0) exports.pnet_copy_rows(dst.byteOffset, dstStride, src.byteOffset, srcStride, rows, width);
  };
}

function binding(exports: ConvExports, memory: WebAssembly.Memory): HeapConv {
  return {
    isa: 'wasm-simd',
    memory,
    copyRows: rowCopier(exports, memory),
    dropoutMask: maskDrawer(exports, memory),
    reluGradient: reluGradientKernel(exports, memory),
    setWinograd: (on) => exports.pnet_set_winograd(on ? 1 : 0),
    conv2d: (...args) => runAlone(exports, memory, exports.pnet_plan_conv2d(...conv2dArguments(memory, ...args), 1)),
    filterGradient: (...args) => runAlone(exports, memory, exports.pnet_plan_filter_gradient(...filterGradientArguments(memory, ...args), 1)),
    check(kind, args) {
      throwIfError(memory, kind === 'conv2d' ? exports.pnet_plan_conv2d(...args, 0) : exports.pnet_plan_filter_gradient(...args, 0));
    },
  };
}

/**
 * The WebAssembly kernels attached to `backend` (the active tfjs backend object), instantiated on
 * its first use; undefined if the module is not loaded or the backend is not tfjs-backend-wasm's
 * single-threaded build. @internal
 */
export function wasmConvFor(backend: object): HeapConv | undefined {
  const cached = attached.get(backend);
  if (cached !== undefined) return cached ?? undefined;
  const tfjs = tfjsModule(backend);
  if (compiled === undefined || tfjs === undefined) return undefined;
  let conv: HeapConv | null = null;
  try {
    conv = binding(instantiate(compiled.single, tfjs.wasm, tfjs.memory), tfjs.memory);
  } catch (error) {
    attachError = error;
    console.warn(
      `@deepigeos/pnet: its WebAssembly convolutions could not be attached to the wasm backend (${error instanceof Error ? error.message : String(error)}); ` +
        "tfjs' own kernels run instead (correct, about 2× slower).",
    );
  }
  attached.set(backend, conv);
  return conv ?? undefined;
}
