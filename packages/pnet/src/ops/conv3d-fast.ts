import * as tf from '@tensorflow/tfjs-core';
import { isRecordingGradients } from './recording.js';
import { accumulate } from './accumulate.js';
import { sliceRows } from './slice-rows.js';
import { reluGradient } from './relu-gradient.js';
import { conv2dFast, type FusedEpilogue, forwardPads, fusedConv, inputGradientFilter, samePads, weightGradients } from './conv2d-fast.js';
import { convolutionImplementation, nativeDepthConv } from './native-conv.js';

/**
 * Stride-1 'same' conv3d (NDHWC, filter [kd, kh, kw, Cin, Cout], dilation [dd, dh, dw]) with
 * optional bias and ReLU, expressed through 2D convolutions: each kernel-depth tap is one conv2d
 * over all depth slices batched together (shifted by tap·dd in depth), and the taps are summed.
 * tfjs' own Conv3D is a plain loop on wasm (50× slower on a 96³ stack, measured); conv2d runs
 * on XNNPACK. In-plane kernels (kd = 1) are a single fused {@link conv2dFast}.
 *
 * Without a gradient tape (inference), kd > 1 convolutions run in depth chunks of at most
 * `inferenceChunkValues` values (default 4 M, 16 MB) so temporaries stay small on large volumes;
 * with the package's kernels (addon or WebAssembly) each chunk is one call over all depth taps.
 * Under a tape the op is one custom-gradient unit: the forward frees each tap's slab as soon as it
 * is used and the tape keeps only x, the filter and (with ReLU) the output, so memory stays a
 * few activations per layer; the backward recomputes the slabs.
 */
export function conv3dFast(
  x: tf.Tensor5D,
  filter: tf.Tensor5D,
  dilation: [number, number, number] = [1, 1, 1],
  epilogue: FusedEpilogue = {},
  inferenceChunkValues = INFERENCE_CHUNK_VALUES,
): tf.Tensor5D {
  const [n, d, h, w, cin] = x.shape;
  const [kd, kh, kw, , cout] = filter.shape;
  if (kd === 1) {
    // tidy frees the 4D views at once: a live view would keep the activation's memory alive.
    return tf.tidy(() => {
      const y = conv2dFast(tf.reshape(x, [n * d, h, w, cin]), tf.reshape(filter, [kh, kw, cin, cout]), [dilation[1], dilation[2]], epilogue);
      return tf.reshape(y, [n, d, h, w, cout]);
    });
  }
  if (!isRecordingGradients() && n * d > 1) {
    const chunk = Math.max(1, Math.floor(inferenceChunkValues / (n * h * w * Math.max(cin, cout))));
    // The package's kernels run a chunk's depth taps in one call (depthTapRows), so they take this path at any size.
    if (chunk < d || convolutionImplementation() !== 'tfjs') return chunkedInference(x, filter, dilation, epilogue, Math.min(chunk, d));
  }
  const op = depthTapConv(dilation, epilogue.bias !== undefined, epilogue.relu === true);
  return (epilogue.bias === undefined ? op(x, filter) : op(x, filter, epilogue.bias)) as tf.Tensor5D;
}

/** Values per depth chunk in inference (4 M floats = 16 MB): bounds the op's temporaries. */
const INFERENCE_CHUNK_VALUES = 4 * 2 ** 20;

/**
 * Inference without a gradient tape: the output is computed `chunk` depth slices at a time, each
 * tap reading only the input slices it needs (zeros outside the volume), so the temporaries stay
 * a few chunk-sized tensors instead of several copies of the whole activation.
 */
function chunkedInference(
  x: tf.Tensor5D,
  filter: tf.Tensor5D,
  dilation: [number, number, number],
  epilogue: FusedEpilogue,
  chunk: number,
): tf.Tensor5D {
  const [n, d, h, w, cin] = x.shape;
  const [kd, , , , cout] = filter.shape;
  const [before] = samePads(kd, dilation[0]);
  const parts: tf.Tensor[] = [];
  for (let z0 = 0; z0 < d; z0 += chunk) {
    const rows = Math.min(d, z0 + chunk) - z0;
    parts.push(
      tf.tidy(() => {
        // Batch items stay apart: one depth-valid convolution per item.
        const items = Array.from({ length: n }, (_, item) => {
          const read = (from: number, to: number) => {
            const lo = Math.max(0, from);
            const hi = Math.min(d, to);
            if (hi <= lo) return tf.zeros([to - from, h, w, cin]) as tf.Tensor4D;
            const slab = sliceRows(tf.reshape(x, [n * d, h, w, cin]), item * d + lo, hi - lo);
            return (hi - lo === to - from ? slab : tf.pad(slab, [[lo - from, to - hi], [0, 0], [0, 0], [0, 0]])) as tf.Tensor4D;
          };
          return depthTapRows(read, z0 - before, rows, filter, dilation, epilogue);
        });
        return tf.reshape(n === 1 ? items[0]! : tf.stack(items), [n, rows, h, w, cout]);
      }),
    );
  }
  const out = tf.concat(parts, 1) as tf.Tensor5D;
  tf.dispose(parts);
  return out;
}

/** Depth slices `[from, to)` of some input, as `[to − from, H, W, C]` (zeros outside the volume). @internal */
export type RowReader = (from: number, to: number) => tf.Tensor4D;

/**
 * `rows` output depth slices of a convolution that is 'valid' along depth and 'same' in-plane,
 * without a gradient: output slice `i` sums, over the kernel-depth taps `t`, a fused conv2d of
 * input slice `first + i + t·dd` (read through `read`, which supplies the depth halo and zeros
 * outside the volume). Bias rides on the first tap; ReLU follows the sum (fused when kd = 1).
 * Returns `[rows, H, W, Cout]`. @internal
 */
export function depthTapRows(
  read: RowReader,
  first: number,
  rows: number,
  filter: tf.Tensor5D,
  dilation: [number, number, number],
  epilogue: FusedEpilogue,
): tf.Tensor4D {
  const [kd, kh, kw, cin, cout] = filter.shape;
  const inPlane: [number, number] = [dilation[1], dilation[2]];
  if (kd === 1) {
    return tf.tidy(() => fusedConv(read(first, first + rows), tf.reshape(filter, [kh, kw, cin, cout]), inPlane, [kh, kw], epilogue.bias, epilogue.relu === true));
  }
  if (convolutionImplementation() !== 'tfjs') {
    // The package's kernels take every depth tap in one call: one read of the slab and its halo, no sums.
    const whole = tf.tidy(() => {
      const slab = read(first, first + rows + (kd - 1) * dilation[0]);
      return nativeDepthConv(slab, filter, forwardPads([kh, kw], inPlane), dilation, epilogue.bias, epilogue.relu === true);
    });
    if (whole !== undefined) return whole;
  }
  return tf.tidy(() => {
    let sum: tf.Tensor | undefined;
    for (let t = 0; t < kd; t++) {
      const from = first + t * dilation[0];
      const tap = read(from, from + rows);
      sum = accumulate(sum, fusedConv(tap, tapFilter(filter, t), inPlane, [kh, kw], t === 0 ? epilogue.bias : undefined, false));
      tap.dispose();
    }
    return (epilogue.relu === true ? tf.relu(sum!) : sum!) as tf.Tensor4D;
  });
}

/** Depth-padded `[N, D + pads, H·W·C]` view of x (contiguous rows, so taps are cheap slices). */
function padDepth(x: tf.Tensor, pads: [number, number]): tf.Tensor3D {
  const [n, d, h, w, c] = x.shape as [number, number, number, number, number];
  return tf.tidy(() => tf.pad(tf.reshape(x, [n, d, h * w * c]), [[0, 0], pads, [0, 0]]));
}

/** Tap `t` of the padded view as a conv2d batch `[N·D, H, W, C]`. */
function slab(xPadded: tf.Tensor3D, shape: number[], offset: number): tf.Tensor4D {
  const [n, d, h, w, c] = shape as [number, number, number, number, number];
  // Per batch item a contiguous run of rows (sliceRows avoids wasm's whole-tensor Slice copy).
  return tf.tidy(() => {
    const rows = tf.reshape(xPadded, [-1, h * w * c]);
    const padded = xPadded.shape[1];
    const items = Array.from({ length: n }, (_, i) => sliceRows(rows, i * padded + offset, d));
    return tf.reshape(n === 1 ? items[0]! : tf.concat(items, 0), [n * d, h, w, c]);
  });
}

/** Filter of depth tap `t` as `[kh, kw, Cin, Cout]`. */
function tapFilter(filter: tf.Tensor, t: number): tf.Tensor4D {
  const [, kh, kw, cin, cout] = filter.shape as [number, number, number, number, number];
  return tf.tidy(() => tf.reshape(tf.slice(filter, [t, 0, 0, 0, 0], [1, kh, kw, cin, cout]), [kh, kw, cin, cout]));
}

type Conv = (...inputs: tf.Tensor[]) => tf.Tensor;
const cache = new Map<string, Conv>();

function depthTapConv(dilation: [number, number, number], hasBias: boolean, relu: boolean): Conv {
  const key = `${dilation.join(',')},${hasBias},${relu}`;
  let op = cache.get(key);
  if (op === undefined) {
    op = makeDepthTapConv(dilation, hasBias, relu);
    cache.set(key, op);
  }
  return op;
}

function makeDepthTapConv(dilation: [number, number, number], hasBias: boolean, relu: boolean): Conv {
  const [dd, dh, dw] = dilation;
  const inPlane: [number, number] = [dh, dw];
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const x = args[0] as tf.Tensor5D;
    const filter = args[1] as tf.Tensor5D;
    const bias = hasBias ? (args[2] as tf.Tensor1D) : undefined;
    const [n, d, h, w] = x.shape;
    const [kd, kh, kw, , cout] = filter.shape;
    const pads = samePads(kd, dd);
    const xPadded = padDepth(x, pads);
    let sum: tf.Tensor | undefined;
    for (let t = 0; t < kd; t++) {
      const s = slab(xPadded, x.shape, t * dd);
      const f = tapFilter(filter, t);
      // The bias rides on the first tap; ReLU can only follow the sum.
      sum = accumulate(sum, fusedConv(s, f, inPlane, [kh, kw], t === 0 ? bias : undefined, false));
      s.dispose();
      f.dispose();
    }
    xPadded.dispose();
    const flat = relu ? tf.relu(sum!) : sum!;
    const value = tf.reshape(flat, [n, d, h, w, cout]);
    if (flat !== sum) sum!.dispose();
    flat.dispose();
    save(relu ? [x, filter, value] : [x, filter]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [xs, fs, ys] = saved as [tf.Tensor5D, tf.Tensor5D, tf.Tensor5D | undefined];
        const g5 = relu ? reluGradient(dy, ys!) : dy;
        const g = tf.reshape(g5, [n * d, h, w, cout]) as tf.Tensor4D;
        const xp = padDepth(xs, pads);
        const total = pads[0] + pads[1];
        let dxPadded: tf.Tensor | undefined;
        const filterGrads: tf.Tensor[] = [];
        let biasGrad: tf.Tensor | undefined;
        for (let t = 0; t < kd; t++) {
          const f = tapFilter(fs, t);
          // Input gradient of this tap, placed back at its depth offset in the padded volume.
          const dSlab = tf.tidy(() => {
            const ds = fusedConv(g, inputGradientFilter(f), inPlane, [kh, kw], undefined, false, true);
            return tf.pad(tf.reshape(ds, [n, d, -1]), [[0, 0], [t * dd, total - t * dd], [0, 0]]);
          });
          dxPadded = accumulate(dxPadded, dSlab);
          const s = slab(xp, xs.shape, t * dd);
          // The first tap also yields the bias gradient (a row of ones in its product).
          const weights = weightGradients(s, g, inPlane, [kh, kw], hasBias && t === 0);
          filterGrads.push(weights.filter);
          biasGrad ??= weights.bias;
          s.dispose();
          f.dispose();
        }
        const dx = tf.reshape(tf.slice(dxPadded!, [0, pads[0], 0], [n, d, -1]), xs.shape);
        const df = tf.stack(filterGrads);
        return hasBias ? [dx, df, biasGrad!] : [dx, df];
      });
    return { value, gradFunc };
  }) as Conv;
}
