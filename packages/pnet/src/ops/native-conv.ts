import * as tf from '@tensorflow/tfjs-core';
import { platform } from '../platform.js';
import { wasmHeapView } from './wasm-heap.js';

/** Which implementation runs the package's convolutions (see {@link convolutionImplementation}). */
export type ConvolutionImplementation = 'native-avx512' | 'native-avx2' | 'tfjs';

/**
 * The Node addon's direct conv2d (installed by the Node entry when the addon loads and the CPU
 * has AVX2 + FMA). `dims` = `[N, H, W, Cin, KH, KW, Cout, padTop, padBottom, padLeft, padRight,
 * dilationH, dilationW]`; writes `out` (`[N, outH, outW, Cout]`) in place. @internal
 */
export interface NativeConv {
  isa: 'avx512' | 'avx2';
  conv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, out: Float32Array, dims: number[], relu: boolean): void;
}

/** The wasm backend's allocator of kernel outputs (it has no typings in tfjs-core). */
type OutputBackend = { makeOutput?: (shape: number[], dtype: 'float32') => tf.TensorInfo };

/**
 * The implementation that runs this package's convolutions ({@link conv2dFast}, {@link conv3dFast},
 * the layers and nets, and their gradients) on the active backend: `'native-avx512'` or
 * `'native-avx2'` when the backend is wasm in Node and the package's Node addon loaded on a CPU
 * with those instructions (a register-blocked FMA conv2d working directly on the wasm heap), else
 * `'tfjs'` (the backend's own conv2d: XNNPACK on wasm). Setting the environment variable
 * `DEEPIGEOS_PNET_NATIVE=0` before the package is imported forces `'tfjs'`;
 * `DEEPIGEOS_PNET_NATIVE=avx2` keeps to AVX2 kernels on an AVX-512 CPU.
 *
 * @example
 * ```ts
 * await initBackend();
 * console.log(convolutionImplementation()); // 'native-avx512' on a recent x86-64 CPU in Node
 * ```
 */
export function convolutionImplementation(): ConvolutionImplementation {
  return activeNativeConv() === undefined ? 'tfjs' : `native-${platform.nativeConv!.isa}`;
}

/** The addon, if it can run on the active backend. */
function activeNativeConv(): NativeConv | undefined {
  const native = platform.nativeConv;
  if (native === undefined || tf.getBackend() !== 'wasm') return undefined;
  return typeof (tf.backend() as unknown as OutputBackend).makeOutput === 'function' ? native : undefined;
}

/**
 * Stride-1 conv2d with explicit `pads` `[[top, bottom], [left, right]]`, per-axis dilation and
 * fused bias/ReLU by the Node addon, zero-copy on the wasm heap: the output is allocated by the
 * wasm backend and written in place. Undefined when the addon does not apply (other backend,
 * not float32, a bias that is not `[Cout]`); the caller then uses tfjs. @internal
 */
export function nativeConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  pads: [[number, number], [number, number]],
  dilation: [number, number],
  bias: tf.Tensor | undefined,
  relu: boolean,
): tf.Tensor4D | undefined {
  const native = activeNativeConv();
  if (native === undefined || x.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  const [kh, kw, cin, cout] = filter.shape;
  if (x.shape[3] !== cin || (bias !== undefined && (bias.dtype !== 'float32' || bias.size !== cout))) return undefined;
  const [n, h, w] = x.shape;
  const outH = h + pads[0][0] + pads[0][1] - dilation[0] * (kh - 1);
  const outW = w + pads[1][0] + pads[1][1] - dilation[1] * (kw - 1);
  if (outH < 1 || outW < 1) return undefined; // tfjs raises its own error
  const backend = tf.backend() as unknown as Required<OutputBackend>;
  const out = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([n, outH, outW, cout], 'float32')) as tf.Tensor4D;
  // Views only after the allocation: growing the heap detaches earlier views.
  const view = wasmHeapView()!;
  const dims = [n, h, w, cin, kh, kw, cout, pads[0][0], pads[0][1], pads[1][0], pads[1][1], dilation[0], dilation[1]];
  try {
    native.conv2d(view(x), view(filter), bias === undefined ? null : view(bias), view(out), dims, relu);
  } catch (error) {
    out.dispose();
    throw error;
  }
  return out;
}
