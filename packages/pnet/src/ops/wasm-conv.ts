// The package's convolution kernels built for WebAssembly SIMD128 (native/wasm_api.cpp, built by
// scripts/build-wasm.sh into wasm/pnet-conv.wasm) and attached to tfjs-backend-wasm's own module:
// the kernels are a relocatable side module instantiated on tfjs' memory, with its data, stack and
// workspace allocated by tfjs' malloc, so they read and write tensors where tfjs keeps them (no
// copies). Runtime-neutral: the Node and browser entries only compile the module and hand it over.
import type { NativeConv } from './native-conv.js';

/** The parts of tfjs-backend-wasm's emscripten module used here (no typings in tfjs). */
interface TfjsWasmModule {
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

interface ConvExports {
  pnet_conv2d(...args: number[]): number;
  pnet_filter_gradient(...args: number[]): number;
  __wasm_apply_data_relocs?: () => void;
  __wasm_call_ctors?: () => void;
}

/** Stack of the side module, carved from tfjs' heap once per backend: the kernels use < 1 KB. */
const STACK_BYTES = 64 * 1024;

let compiled: WebAssembly.Module | undefined;
let loadError: unknown;
let loader: (() => Promise<WebAssembly.Module>) | undefined;
let loading: Promise<void> | undefined;
const attached = new WeakMap<object, NativeConv | null>();

/** Installs the compiled kernels module (the Node entry, at import), or records why it could not load. @internal */
export function setWasmConvModule(module: WebAssembly.Module | undefined, error?: unknown): void {
  compiled = module;
  loadError = error;
}

/** Registers how to fetch and compile the module asynchronously (the browser entry). @internal */
export function setWasmConvLoader(load: () => Promise<WebAssembly.Module>): void {
  loader = load;
}

/**
 * Loads the kernels if a loader is registered and they are not loaded yet (`initBackend` awaits
 * this); never rejects: without them the tfjs kernels run. @internal
 */
export function loadWasmConv(): Promise<void> {
  if (compiled !== undefined || loader === undefined) return Promise.resolve();
  loading ??= loader().then(
    (module) => setWasmConvModule(module),
    (error: unknown) => {
      loadError = error;
      loading = undefined; // a later initBackend may retry
    },
  );
  return loading;
}

/** Why the WebAssembly kernels are unavailable (for error messages), if they are. @internal */
export function wasmConvLoadError(): unknown {
  return compiled === undefined ? (loadError ?? new Error('the WebAssembly kernels are not loaded yet')) : undefined;
}

/** Memory size and alignment (log2) the side module asks for: its `dylink.0` (or older `dylink`) section. */
function dylinkMemory(module: WebAssembly.Module): { size: number; align: number } {
  const section = WebAssembly.Module.customSections(module, 'dylink.0')[0];
  const legacy = WebAssembly.Module.customSections(module, 'dylink')[0];
  const bytes = new Uint8Array(section ?? legacy ?? new ArrayBuffer(0));
  let at = 0;
  const leb = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
      shift += 7;
    }
  };
  if (section === undefined) return legacy === undefined ? { size: 0, align: 0 } : { size: leb(), align: leb() };
  while (at < bytes.length) {
    const type = bytes[at++]!;
    const length = leb();
    if (type === 1) return { size: leb(), align: leb() }; // WASM_DYLINK_MEM_INFO
    at += length;
  }
  return { size: 0, align: 0 };
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
  if (data === 0 || stack === 0) throw new Error('no room on the wasm heap for the convolution kernels');
  const memoryBase = Math.ceil(data / alignment) * alignment;
  new Uint8Array(memory.buffer, memoryBase, size).fill(0);
  const env: Record<string, WebAssembly.ImportValue> = {
    memory,
    __memory_base: new WebAssembly.Global({ value: 'i32', mutable: false }, memoryBase),
    __table_base: new WebAssembly.Global({ value: 'i32', mutable: false }, 0),
    __stack_pointer: new WebAssembly.Global({ value: 'i32', mutable: true }, (stack + STACK_BYTES) & ~15),
    __indirect_function_table: new WebAssembly.Table({ initial: 0, element: 'anyfunc' }),
    malloc: (bytes: number) => wasm._malloc(bytes),
    free: (ptr: number) => wasm._free(ptr),
  };
  for (const entry of WebAssembly.Module.imports(module)) {
    if (entry.module !== 'env' || !(entry.name in env)) throw new Error(`pnet-conv.wasm imports ${entry.module}.${entry.name}, which this loader does not provide`);
  }
  const exports = new WebAssembly.Instance(module, { env }).exports as unknown as ConvExports;
  exports.__wasm_apply_data_relocs?.();
  exports.__wasm_call_ctors?.();
  return exports;
}

/** A NUL-terminated string on the heap. */
function cString(memory: WebAssembly.Memory, at: number): string {
  const bytes = new Uint8Array(memory.buffer, at);
  return new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
}

/** Throws what the addon throws for the same arguments: TypeError for wrong kinds, RangeError for wrong sizes. */
function throwIfError(memory: WebAssembly.Memory, at: number): void {
  if (at === 0) return;
  const message = cString(memory, at);
  throw message.includes('expected') ? new TypeError(message) : new RangeError(message);
}

/** Byte offset of a heap view and its length, or 0, 0 for null where `optional`. */
function pointer(memory: WebAssembly.Memory, name: string, a: Float32Array | null, optional = false): [number, number] {
  if (optional && (a === null || a === undefined)) return [0, 0];
  if (!(a instanceof Float32Array) || a.buffer !== memory.buffer) {
    throw new TypeError(`conv2d: ${name}: expected a Float32Array${optional ? ' or null' : ''} (a view of the wasm heap)`);
  }
  return [a.byteOffset, a.length];
}

/** The binding with the addon's interface; arrays must be views of tfjs' heap. */
function binding(exports: ConvExports, memory: WebAssembly.Memory): NativeConv {
  const dimsOf = (dims: number[]): number[] => {
    if (!Array.isArray(dims) || dims.length !== 13) throw new TypeError('conv2d: dims: expected an array of 13 integers');
    return dims.map((d) => (typeof d === 'number' ? d : Number.NaN));
  };
  return {
    isa: 'wasm-simd',
    conv2d(x, filter, bias, out, dims, relu) {
      const d = dimsOf(dims);
      if (typeof relu !== 'boolean') throw new TypeError('conv2d: relu: expected a boolean');
      const args = [...pointer(memory, 'x', x), ...pointer(memory, 'filter', filter), ...pointer(memory, 'bias', bias, true), ...pointer(memory, 'out', out)];
      throwIfError(memory, exports.pnet_conv2d(...args, ...d, relu ? 1 : 0));
    },
    filterGradient(x, dy, dfilter, dbias, dims) {
      const d = dimsOf(dims);
      const args = [...pointer(memory, 'x', x), ...pointer(memory, 'dy', dy), ...pointer(memory, 'dfilter', dfilter), ...pointer(memory, 'dbias', dbias, true)];
      throwIfError(memory, exports.pnet_filter_gradient(...args, ...d));
    },
  };
}

/**
 * The WebAssembly kernels attached to `backend` (the active tfjs backend object), instantiated on
 * its first use; undefined if the module is not loaded or the backend is not tfjs-backend-wasm's
 * single-threaded build. @internal
 */
export function wasmConvFor(backend: object): NativeConv | undefined {
  const cached = attached.get(backend);
  if (cached !== undefined) return cached ?? undefined;
  const tfjs = tfjsModule(backend);
  if (compiled === undefined || tfjs === undefined) return undefined;
  let conv: NativeConv | null = null;
  try {
    conv = binding(instantiate(compiled, tfjs.wasm, tfjs.memory), tfjs.memory);
  } catch (error) {
    loadError = error;
  }
  attached.set(backend, conv);
  return conv ?? undefined;
}
