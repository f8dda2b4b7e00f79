// Instantiation of the convolution kernels' WebAssembly side modules (built with emscripten's
// SIDE_MODULE: relocatable, no libc) on a memory the caller owns: the module's static data goes
// at `__memory_base`, its stack below `__stack_pointer`, and malloc/free are the caller's.

/** The kernels' exports (see native/wasm_api.cpp); pointers are byte offsets into the memory. @internal */
export interface ConvExports {
  pnet_abi_version?: () => number;
  pnet_plan_conv2d(...args: number[]): number;
  pnet_plan_filter_gradient(...args: number[]): number;
  pnet_parts(): number;
  pnet_run_part(part: number): void;
  pnet_finish(): void;
  pnet_copy_rows(dst: number, dstStride: number, src: number, srcStride: number, rows: number, width: number): void;
  pnet_dropout_mask(dst: number, count: number, threshold: number, scale: number, state: number): number;
  pnet_relu_gradient(dst: number, dy: number, y: number, count: number): void;
  pnet_set_winograd(on: number): void;
  __wasm_apply_data_relocs?: () => void;
  __wasm_call_ctors?: () => void;
}

/** Memory size and alignment (log2) the side module needs for its data: its `dylink.0` (or older `dylink`) section. @internal */
export function dylinkMemory(module: WebAssembly.Module): { size: number; align: number } {
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

/** Where one instance lives: the memory, its data (shared by instances of one memory) and its stack top. @internal */
export interface SideModulePlace {
  memory: WebAssembly.Memory;
  memoryBase: number;
  stackTop: number;
  malloc(bytes: number): number;
  free(ptr: number): void;
}

/** The kernels' interface version this code calls (native/wasm_api.cpp's pnet_abi_version). */
const CONV_ABI_VERSION = 5;

/** Instantiates the kernels at `place` (synchronously: the module is compiled and small). @internal */
export function instantiateSideModule(module: WebAssembly.Module, place: SideModulePlace): ConvExports {
  const env: Record<string, WebAssembly.ImportValue> = {
    memory: place.memory,
    __memory_base: new WebAssembly.Global({ value: 'i32', mutable: false }, place.memoryBase),
    __stack_pointer: new WebAssembly.Global({ value: 'i32', mutable: true }, place.stackTop & ~15),
    malloc: place.malloc,
    free: place.free,
  };
  for (const entry of WebAssembly.Module.imports(module)) {
    if (entry.module !== 'env' || !(entry.name in env)) throw new Error(`pnet-conv wasm imports ${entry.module}.${entry.name}, which this loader does not provide`);
  }
  const exports = new WebAssembly.Instance(module, { env }).exports as unknown as ConvExports;
  const version = exports.pnet_abi_version?.();
  if (version !== CONV_ABI_VERSION) {
    throw new Error(`pnet-conv wasm has interface version ${version ?? 1}, this package needs ${CONV_ABI_VERSION} (a stale cached copy of the .wasm file?)`);
  }
  exports.__wasm_apply_data_relocs?.();
  exports.__wasm_call_ctors?.();
  return exports;
}

/** A NUL-terminated string in `memory`. */
function cString(memory: WebAssembly.Memory, at: number): string {
  const bytes = new Uint8Array(memory.buffer).subarray(at);
  // TextDecoder refuses views of shared memory: copy the message out first.
  return new TextDecoder().decode(bytes.slice(0, bytes.indexOf(0)));
}

/** Throws what the addon throws for the same arguments: TypeError for wrong kinds, RangeError for wrong sizes. @internal */
export function throwIfError(memory: WebAssembly.Memory, at: number): void {
  if (at === 0) return;
  const message = cString(memory, at);
  throw message.includes('expected') ? new TypeError(message) : new RangeError(message);
}
