import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { platform } from '../platform.js';
import { wasmConvFor } from './wasm-conv.js';
import { threadedConv } from './wasm-conv-threads.js';
import { heapOutputs, wasmHeapView } from './wasm-heap.js';

/** Which implementation runs the package's convolutions (see {@link convolutionImplementation}). */
export type ConvolutionImplementation = 'native-avx512' | 'native-avx2' | 'wasm-simd' | 'wasm-simd-threads' | 'tfjs';

/**
 * Which convolutions to use on the wasm backend (see {@link useConvolutions}): `'auto'` the
 * fastest available (the Node addon, else the package's WebAssembly kernels), `'wasm-simd'` the
 * WebAssembly kernels even where the addon loaded, `'tfjs'` tfjs' own kernels (XNNPACK).
 */
export type ConvolutionChoice = 'auto' | 'wasm-simd' | 'tfjs';

let choice: ConvolutionChoice = 'auto';
let winograd = true;

/**
 * Selects the convolutions of the wasm backend for this thread; takes effect at the next
 * convolution. Node also reads `DEEPIGEOS_PNET_NATIVE` at import: `tfjs` selects tfjs' kernels,
 * `0` skips the addon (the WebAssembly kernels run). Browsers can pass the same choice as
 * `initBackend(name, { convolutions })`.
 *
 * @example
 * ```ts
 * useConvolutions('tfjs'); // compare with tfjs' XNNPACK kernels
 * console.log(convolutionImplementation()); // 'tfjs'
 * ```
 */
export function useConvolutions(which: ConvolutionChoice): void {
  if (which !== 'auto' && which !== 'wasm-simd' && which !== 'tfjs') throw new TypeError(`useConvolutions: expected 'auto', 'wasm-simd' or 'tfjs', got ${String(which)}`);
  choice = which;
}

/**
 * Whether the package's kernels compute forward convolutions with 3×3 in-plane filters (every
 * dilated layer of P-Net and R-Net, 2D and 3D, and their input gradients) by Winograd's minimal
 * filtering: F(4×4, 3×3), 36 products per 16 output pixels instead of 144, or F(2×2, 3×3) where
 * a large dilation on a small plane would leave 4×4 tiles half empty (the direct sums where
 * neither pays). Those layers run up to 2.7× faster (R-Net on a 96³ region 1.4–1.7×); the outputs
 * differ from the direct sums by float rounding, a few 1e-6 of the largest output (a NaN or
 * infinite input spreads to its whole 4×4 or 2×2 output tile, where the direct sums spread it to
 * its 3×3 neighbours). On by default; `false` computes every sum directly (the outputs of earlier
 * releases, bit for bit). Applies to this thread from its next convolution; Node also reads
 * `DEEPIGEOS_PNET_WINOGRAD=0` at import (worker threads inherit it).
 *
 * @example
 * ```ts
 * useWinograd(false); // the direct kernels, e.g. to compare speed or reproduce older outputs
 * ```
 */
export function useWinograd(on: boolean): void {
  if (typeof on !== 'boolean') throw new TypeError(`useWinograd: expected a boolean, got ${String(on)}`);
  winograd = on;
}

/** Whether the package's kernels compute 3×3 convolutions by Winograd on this thread (see {@link useWinograd}). */
export function winogradEnabled(): boolean {
  return winograd;
}

/**
 * The package's direct conv2d: the Node addon (installed by the Node entry when the addon loads
 * and the CPU has AVX2 + FMA) or the same kernels in WebAssembly (arrays must then be views of
 * the wasm backend's heap). `dims` = `[N, H, W, Cin, KH, KW, Cout, padTop, padBottom, padLeft, padRight,
 * dilationH, dilationW]`; writes `out` (`[N, outH, outW, Cout]`) in place. conv2d also takes
 * `dims` with `KD, dilationD` appended: depth taps over the N consecutive input slices (filter
 * `[KD, KH, KW, Cin, Cout]`, output `[N − (KD − 1)·dilationD, outH, outW, Cout]`). @internal
 */
export interface NativeConv {
  isa: 'avx512' | 'avx2' | 'wasm-simd' | 'wasm-simd-threads';
  conv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, out: Float32Array, dims: number[], relu: boolean): void;
  /** Whether later conv2d calls with 3×3 filters may use Winograd (see {@link useWinograd}). */
  setWinograd(on: boolean): void;
  /** Weight gradients of `conv2d(x, ·)` for `dy`: writes `dfilter` `[KH, KW, Cin, Cout]` and `dbias` `[Cout]`. */
  filterGradient(x: Float32Array, dy: Float32Array, dfilter: Float32Array, dbias: Float32Array | null, dims: number[]): void;
  /**
   * The addon only: threads per call from now on (undefined: `DEEPIGEOS_PNET_THREADS`, else the
   * available cores up to 4); calls under `minWork` multiply-adds (default: the addon's
   * threshold) stay on the calling thread.
   */
  setThreads?(threads?: number, minWork?: number): void;
  /** The addon only: threads per call now. */
  threads?(): number;
}

/** The wasm backend's allocator of kernel outputs and its tensor table (no typings in tfjs-core). */
type OutputBackend = {
  makeOutput?: (shape: number[], dtype: 'float32') => tf.TensorInfo;
  dataIdMap?: { has(dataId: object): boolean };
};

/**
 * Float32 tensors whose data live on the wasm heap: a tensor made on another backend before a
 * switch is moved only when a tfjs kernel reads it, so those take the tfjs path. @internal
 */
export function onHeap(...tensors: tf.Tensor[]): boolean {
  const table = (tf.backend() as unknown as OutputBackend).dataIdMap;
  return tensors.every((t) => t.dtype === 'float32' && table?.has(t.dataId) === true);
}

/**
 * The implementation that runs this package's convolutions ({@link conv2dFast}, {@link conv3dFast},
 * the layers and nets, and their gradients) on the active backend, all on the wasm backend's heap
 * without copies: `'native-avx512'` / `'native-avx2'` when the package's Node addon loaded on a
 * CPU with those instructions (register-blocked FMA kernels), else `'wasm-simd'` (the same
 * kernels compiled to WebAssembly SIMD128: browsers, Node on other platforms or without the
 * addon), or `'tfjs'` (the backend's own kernels: XNNPACK on wasm; every other backend).
 * `DEEPIGEOS_PNET_NATIVE=0` (Node, read at import) skips the addon, `=tfjs` selects tfjs' kernels,
 * `=avx2` keeps to AVX2 on an AVX-512 CPU; {@link useConvolutions} switches at run time.
 *
 * @example
 * ```ts
 * await initBackend();
 * console.log(convolutionImplementation()); // 'native-avx512' on a recent x86-64 CPU in Node, 'wasm-simd' in browsers
 * ```
 */
export function convolutionImplementation(): ConvolutionImplementation {
  const conv = activeNativeConv();
  if (conv === undefined) return 'tfjs';
  return conv.isa === 'wasm-simd' || conv.isa === 'wasm-simd-threads' ? conv.isa : `native-${conv.isa}`;
}

/** The package's kernels, if they can run on the active backend. */
function activeNativeConv(): NativeConv | undefined {
  if (choice === 'tfjs' || tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as OutputBackend;
  if (typeof backend.makeOutput !== 'function' || !heapInternalsWork(backend)) return undefined;
  if (choice === 'auto' && platform.nativeConv !== undefined) return platform.nativeConv;
  const heap = wasmConvFor(backend);
  return heap === undefined ? undefined : (threadedConv(heap) ?? heap);
}

const probed = new WeakMap<object, boolean>();

/**
 * Whether this wasm backend exposes, and behaves as, the unexported internals the package's kernels rely on
 * (`makeOutput`, `dataIdMap`, `typedArrayFromHeap`): checked once per backend by writing through
 * a heap view and reading back through tfjs. Another tfjs-backend-wasm version may change them;
 * then the tfjs kernels run, with one warning.
 */
function heapInternalsWork(backend: object): boolean {
  let works = probed.get(backend);
  if (works === undefined) {
    works = probeHeapInternals();
    probed.set(backend, works);
    if (!works) {
      console.warn(
        `@deepigeos/pnet: @tensorflow/tfjs-backend-wasm ${version_wasm} does not expose the internals the native ` +
          "convolutions use (tested with 4.22.0); using tfjs' own kernels instead (correct, about 2× slower).",
      );
    }
  }
  return works;
}

function probeHeapInternals(): boolean {
  const backend = tf.backend() as unknown as OutputBackend;
  if (typeof backend.makeOutput !== 'function' || typeof backend.dataIdMap?.has !== 'function' || wasmHeapView() === undefined) return false;
  let probe: tf.Tensor | undefined;
  try {
    [probe] = heapOutputs([[4]]);
    wasmHeapView()!(probe!).set([1, -2, 3.5, 4]);
    const back = probe!.dataSync();
    return backend.dataIdMap.has(probe!.dataId) && back.length === 4 && back[0] === 1 && back[1] === -2 && back[2] === 3.5 && back[3] === 4;
  } catch {
    return false;
  } finally {
    probe?.dispose();
  }
}

/** True when the wasm backend's convolutions would run the WebAssembly kernels (so their threads are worth starting). @internal */
export function wasmKernelsChosen(): boolean {
  return choice === 'wasm-simd' || (choice === 'auto' && platform.nativeConv === undefined);
}

/**
 * Stride-1 conv2d with explicit `pads` `[[top, bottom], [left, right]]`, per-axis dilation and
 * fused bias/ReLU by the package's kernels (addon or WebAssembly), zero-copy on the wasm heap: the
 * output is allocated by the wasm backend and written in place. Undefined when the kernels do not
 * apply (other backend, not float32, a bias that is not `[Cout]`); the caller then uses tfjs. @internal
 */
export function nativeConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  pads: [[number, number], [number, number]],
  dilation: [number, number],
  bias: tf.Tensor | undefined,
  relu: boolean,
): tf.Tensor4D | undefined {
  return directConv(x, filter, [1, ...filter.shape], pads, [1, ...dilation], bias, relu);
}

/**
 * A convolution that is 'valid' along depth and padded by `pads` in-plane, by the package's
 * kernels in one call: `x` holds consecutive depth slices `[Din, H, W, Cin]`, `filter` is
 * `[KD, KH, KW, Cin, Cout]` and `dilation` `[dd, dh, dw]`; output slice `z` sums the taps over
 * input slices `z + kz·dd`, then bias and ReLU (`[Din − (KD − 1)·dd, outH, outW, Cout]`). One pass
 * instead of a conv2d per depth tap and the sums of their outputs. Undefined where
 * {@link nativeConv2d} would be. @internal
 */
export function nativeDepthConv(
  x: tf.Tensor4D,
  filter: tf.Tensor5D,
  pads: [[number, number], [number, number]],
  dilation: [number, number, number],
  bias: tf.Tensor | undefined,
  relu: boolean,
): tf.Tensor4D | undefined {
  return directConv(x, filter, filter.shape, pads, dilation, bias, relu);
}

/** The forward call of both: `filter` holds `[KD, KH, KW, Cin, Cout]` values (KD = 1: a conv2d). */
function directConv(
  x: tf.Tensor4D,
  filter: tf.Tensor,
  [kd, kh, kw, cin, cout]: [number, number, number, number, number],
  pads: [[number, number], [number, number]],
  [dd, dh, dw]: [number, number, number],
  bias: tf.Tensor | undefined,
  relu: boolean,
): tf.Tensor4D | undefined {
  const native = activeNativeConv();
  if (native === undefined || !onHeap(x, filter, ...(bias === undefined ? [] : [bias]))) return undefined;
  if (x.shape[3] !== cin || (bias !== undefined && bias.size !== cout)) return undefined;
  const [din, h, w] = x.shape;
  const outD = din - dd * (kd - 1);
  const outH = h + pads[0][0] + pads[0][1] - dh * (kh - 1);
  const outW = w + pads[1][0] + pads[1][1] - dw * (kw - 1);
  if (outD < 1 || outH < 1 || outW < 1) return undefined; // tfjs raises its own error
  const dims = [...convDims(x.shape, [kh, kw, cin, cout], pads, [dh, dw]), kd, dd];
  const [out] = heapOutputs([[outD, outH, outW, cout]]);
  return runOn([out!], (view) => {
    native.setWinograd(winograd);
    native.conv2d(view(x), view(filter), bias === undefined ? null : view(bias), view(out!), dims, relu);
  }) as tf.Tensor4D;
}

/**
 * Filter and bias gradients of a stride-1 conv2d of `x` (`[N, H, W, Cin]`) with a
 * `kernel`-sized filter, explicit `pads` and `dilation`, for the output gradient `dy`, by the
 * package's kernels on the wasm heap (register-blocked, no im2col copies). Undefined when
 * the kernels do not apply; the caller then uses tfjs. @internal
 */
export function nativeFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kernel: [number, number],
  pads: [[number, number], [number, number]],
  dilation: [number, number],
  withBias: boolean,
): { filter: tf.Tensor4D; bias?: tf.Tensor1D } | undefined {
  const native = activeNativeConv();
  if (native === undefined || !onHeap(x, dy)) return undefined;
  const cin = x.shape[3];
  const cout = dy.shape[3];
  const [filter, bias] = heapOutputs(withBias ? [[...kernel, cin, cout], [cout]] : [[...kernel, cin, cout]]);
  const dims = convDims(x.shape, [...kernel, cin, cout], pads, dilation);
  runOn(bias === undefined ? [filter!] : [filter!, bias], (view) =>
    native.filterGradient(view(x), view(dy), view(filter!), bias === undefined ? null : view(bias), dims),
  );
  return bias === undefined ? { filter: filter as tf.Tensor4D } : { filter: filter as tf.Tensor4D, bias: bias as tf.Tensor1D };
}

/** The addon's dims: `[N, H, W, Cin, KH, KW, Cout, padTop, padBottom, padLeft, padRight, dh, dw]`. */
function convDims(x: readonly number[], filter: readonly number[], pads: [[number, number], [number, number]], dilation: [number, number]): number[] {
  return [...x, ...filter.slice(0, 2), filter[3]!, pads[0][0], pads[0][1], pads[1][0], pads[1][1], dilation[0], dilation[1]];
}

/**
 * Runs `fill` with heap views taken after every allocation (growing the heap detaches earlier
 * views); disposes `outputs` if it throws. Returns the first output.
 */
function runOn(outputs: tf.Tensor[], fill: (view: (t: tf.Tensor) => Float32Array) => void): tf.Tensor {
  try {
    fill(wasmHeapView()!);
  } catch (error) {
    tf.dispose(outputs);
    throw error;
  }
  return outputs[0]!;
}
