import * as tf from '@tensorflow/tfjs-core';
import { accumulate } from './accumulate.js';
import { nativeConv2d, nativeFilterGradient, onHeap } from './native-conv.js';
import { reluGradient } from './relu-gradient.js';
import { ShiftedColumns } from './shifted-columns.js';
import { sliceRows } from './slice-rows.js';
import { heapOutputs, wasmHeapView } from './wasm-heap.js';

/** Explicit padding `[[top, bottom], [left, right]]` of a 2D convolution. */
type Pads2D = [[number, number], [number, number]];

/**
 * 'same' padding for stride 1: total d·(k−1) per axis, the smaller half before (TensorFlow's rule;
 * for odd kernels this is PyTorch's symmetric `padding = d·(k−1)/2`).
 */
export function samePads(kernel: number, dilation: number): [number, number] {
  const total = dilation * (kernel - 1);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** 'Same' pads of a 2D kernel, `[[top, bottom], [left, right]]`. @internal */
export function forwardPads(kernel: [number, number], dilation: [number, number]): Pads2D {
  return [samePads(kernel[0], dilation[0]), samePads(kernel[1], dilation[1])];
}

/** Optional parts of {@link conv2dFast} fused into the convolution kernel. */
export interface FusedEpilogue {
  /** Per-output-channel bias `[Cout]`. */
  bias?: tf.Tensor1D;
  /** Apply ReLU to the result. */
  relu?: boolean;
}

/**
 * One stride-1 'same' conv2d call with fused bias/ReLU: every convolution of the package (2D
 * layers, 3D depth taps, input gradients) goes through here. On wasm in Node it runs the native
 * addon when available (`nativeConv2d`), else `tf.fused.conv2d`. With `mirrored`, the
 * padding is the forward padding mirrored: the full correlation that computes an input gradient.
 * @internal
 */
export function fusedConv(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dilation: [number, number],
  kernel: [number, number],
  bias: tf.Tensor | undefined,
  relu: boolean,
  mirrored = false,
): tf.Tensor4D {
  const pointwise = kernel[0] === 1 && kernel[1] === 1;
  const p = forwardPads(kernel, dilation);
  const pads: Pads2D = mirrored
    ? [
        [p[0][1], p[0][0]],
        [p[1][1], p[1][0]],
      ]
    : p;
  const native = nativeConv2d(x, filter, pads, dilation, bias, relu);
  if (native !== undefined) return native;
  return tf.fused.conv2d({
    x,
    filter,
    strides: 1,
    pad: pointwise ? 'valid' : [[0, 0], pads[0], pads[1], [0, 0]],
    dataFormat: 'NHWC',
    dilations: pointwise ? 1 : dilation,
    bias,
    activation: relu ? 'relu' : 'linear',
  });
}

/**
 * The filter that turns a forward conv into its input gradient: rotated 180°, in/out swapped. On
 * the wasm heap one loop over the small filter; tfjs' reverse and transpose kernels cost 3 % of a
 * 2D P-Net training step there (measured). @internal
 */
export function inputGradientFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const view = wasmHeapView();
  if (view === undefined || !onHeap(filter)) return tf.tidy(() => tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]));
  const [kh, kw, cin, cout] = filter.shape;
  const [out] = heapOutputs([[kh, kw, cout, cin]]);
  // Views only after the allocation, which may move the heap (`view` reads the current buffer).
  const src = view(filter);
  const dst = view(out!);
  const taps = kh * kw;
  for (let t = 0; t < taps; t++) {
    const from = t * cin * cout;
    const to = (taps - 1 - t) * cin * cout;
    for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) dst[to + o * cin + c] = src[from + c * cout + o]!;
  }
  return out as tf.Tensor4D;
}

/**
 * Positions per matrix product of {@link weightGradients}: at least 8192, more while dy's chunk
 * stays within 2 MB (few output channels). Products over all 65536 positions of a 256² image
 * stream a 16 MB right-hand side per row tile and ran 1.6× slower on wasm than 8192-position
 * chunks summed, and 4096-position chunks of a 128-channel dy were slower again (measured); the
 * chunks also bound the copy (CHUNK_VALUES).
 */
const chunkPositions = (cout: number) => Math.max(8192, (1 << 19) / cout);
const CHUNK_VALUES = 1 << 22;

/** Gradients of a convolution's weights: filter `[kh, kw, Cin, Cout]`, bias `[Cout]` if asked. @internal */
export interface WeightGradients {
  filter: tf.Tensor4D;
  bias?: tf.Tensor1D;
}

/**
 * Filter (and bias) gradient of a stride-1 'same' conv2d. On wasm in Node with the addon, its
 * direct kernel (`nativeFilterGradient`). Otherwise on wasm, matrix products: the input
 * seen through the kernel taps ({@link ShiftedColumns}, `[taps · Cin (+ a row of ones),
 * positions]`) times dy `[positions, Cout]`, summed over chunks of image rows; the row of ones
 * gives the bias gradient for free. The forward-conv formulation ({@link convFilterGradient}) ran
 * ~3× slower than the forward convolution there for a batch of 1; the products run on XNNPACK's
 * GEMM (README, Performance). Other backends keep the forward conv (the im2col copies made the
 * cpu backend's 3D training step 4× slower, measured). `chunkValues` bounds a chunk (tests). @internal
 */
export function weightGradients(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  dilation: [number, number],
  kernel: [number, number],
  bias: boolean,
  chunkValues = CHUNK_VALUES,
): WeightGradients {
  return tf.tidy(() => {
    const [n, h, w, cin] = x.shape;
    const cout = dy.shape[3];
    const p = forwardPads(kernel, dilation);
    const native = nativeFilterGradient(x, dy, kernel, p, dilation, bias);
    if (native !== undefined) return native;
    if (kernel[0] === 1 && kernel[1] === 1 && cout <= 4) {
      // xᵀ·dy: wasm's matMul with transposeA is a plain loop, fast only for a few output columns.
      const dy2 = tf.reshape(dy, [-1, cout]);
      const filter = tf.reshape(tf.matMul(tf.reshape(x, [-1, cin]), dy2, true, false), [1, 1, cin, cout]) as tf.Tensor4D;
      return bias ? { filter, bias: tf.sum(dy2, 0) as tf.Tensor1D } : { filter };
    }
    if (wasmHeapView() === undefined || x.dtype !== 'float32') {
      const filter = convFilterGradient(x, dy, dilation, kernel);
      return bias ? { filter, bias: tf.sum(dy, [0, 1, 2]) as tf.Tensor1D } : { filter };
    }
    const offsets: [number, number][] = [];
    for (let i = 0; i < kernel[0]; i++) {
      for (let j = 0; j < kernel[1]; j++) offsets.push([i * dilation[0] - p[0][0], j * dilation[1] - p[1][0]]);
    }
    const columns = new ShiftedColumns(x, offsets, bias);
    const dyRows = tf.reshape(dy, [n * h, w * cout]);
    const rows = n * h;
    const maxRows = Math.max(1, Math.floor(Math.min(chunkPositions(cout), chunkValues / (offsets.length * cin)) / w));
    const perChunk = Math.ceil(rows / Math.ceil(rows / maxRows)); // equal chunks, no small remainder
    let sum: tf.Tensor | undefined;
    for (let from = 0; from < rows; from += perChunk) {
      const count = Math.min(perChunk, rows - from);
      const cols = columns.rows(from, count);
      const dyChunk = sliceRows(dyRows, from, count);
      const product = tf.matMul(cols, tf.reshape(dyChunk, [count * w, cout]));
      tf.dispose([cols, dyChunk]);
      sum = accumulate(sum, product);
    }
    columns.dispose();
    const taps = offsets.length * cin;
    const filter = tf.reshape(bias ? tf.slice(sum!, 0, taps) : sum!, [kernel[0], kernel[1], cin, cout]) as tf.Tensor4D;
    return bias ? { filter, bias: tf.reshape(tf.slice(sum!, taps, 1), [cout]) as tf.Tensor1D } : { filter };
  });
}

/**
 * Filter gradient as one forward conv: the input transposed to [Cin, H, W, N] convolved (strides
 * = dilation, the forward padding) with dy transposed to [H, W, N, Cout]; a 1×1 kernel is xᵀ·dy.
 */
function convFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, dilation: [number, number], kernel: [number, number]): tf.Tensor4D {
  const cin = x.shape[3];
  const cout = dy.shape[3];
  if (kernel[0] === 1 && kernel[1] === 1) {
    return tf.reshape(tf.matMul(tf.transpose(tf.reshape(x, [-1, cin])), tf.reshape(dy, [-1, cout])), [1, 1, cin, cout]);
  }
  const p = forwardPads(kernel, dilation);
  const xT = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
  const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
  return tf.transpose(tf.conv2d(xT, dyT, dilation, [[0, 0], p[0], p[1], [0, 0]]), [1, 2, 0, 3]);
}

/**
 * Stride-1 'same' conv2d (NHWC, filter [kh, kw, Cin, Cout]) with optional fused bias and ReLU,
 * whose gradients are forward conv2d calls or matrix products, so training stays on the fast
 * kernels of every backend: wasm has no Conv2DBackpropFilter and a slow conv2dTranspose, and no backend
 * differentiates dilation > 1.
 *
 * - input gradient: dy convolved with the 180°-rotated filter (in/out channels swapped), same
 *   dilation, the mirrored padding;
 * - filter and bias gradients (`weightGradients`): on wasm the input seen through the kernel
 *   taps (and a row of ones) times dy, chunked matrix products; elsewhere one forward conv of the
 *   transposed input with dy as the filter, and dy summed over N, H, W;
 * - ReLU masks dy where the output is 0.
 */
export function conv2dFast(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  dilation: [number, number] = [1, 1],
  epilogue: FusedEpilogue = {},
): tf.Tensor4D {
  const conv = fastConvFor([filter.shape[0], filter.shape[1]], dilation, epilogue.bias !== undefined, epilogue.relu === true);
  return (epilogue.bias === undefined ? conv(x, filter) : conv(x, filter, epilogue.bias)) as tf.Tensor4D;
}

type Conv = (...inputs: tf.Tensor[]) => tf.Tensor;
const cache = new Map<string, Conv>();

function fastConvFor(kernel: [number, number], dilation: [number, number], hasBias: boolean, relu: boolean): Conv {
  const key = `${kernel.join(',')},${dilation.join(',')},${hasBias},${relu}`;
  let conv = cache.get(key);
  if (conv === undefined) {
    conv = makeFastConv(kernel, dilation, hasBias, relu);
    cache.set(key, conv);
  }
  return conv;
}

function makeFastConv(kernel: [number, number], dilation: [number, number], hasBias: boolean, relu: boolean): Conv {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const x = args[0] as tf.Tensor4D;
    const filter = args[1] as tf.Tensor4D;
    const value = fusedConv(x, filter, dilation, kernel, hasBias ? (args[2] as tf.Tensor) : undefined, relu);
    save(relu ? [x, filter, value] : [x, filter]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [xs, fs, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D | undefined];
        const g = (relu ? reluGradient(dy, ys!) : dy) as tf.Tensor4D;
        const dx = fusedConv(g, inputGradientFilter(fs), dilation, kernel, undefined, false, true);
        const d = weightGradients(xs, g, dilation, kernel, hasBias);
        return hasBias ? [dx, d.filter, d.bias!] : [dx, d.filter];
      });
    return { value, gradFunc };
  }) as Conv;
}
