import * as tf from '@tensorflow/tfjs-core';
import { conv2dFast, samePads } from './conv2d-fast.js';

/**
 * Stride-1 'same' conv3d (NDHWC, filter [kd, kh, kw, Cin, Cout], dilation [dd, dh, dw]) expressed
 * through 2D convolutions: each kernel-depth tap is one {@link conv2dFast} over all depth slices
 * batched together (shifted by tap·dd in depth), and the taps are summed. tfjs' own Conv3D is a
 * plain loop on wasm (50× slower on a 96³ stack, DESIGN.md §4); conv2d runs on XNNPACK. The
 * gradient follows from conv2dFast's and the slice/reshape/add gradients.
 */
export function conv3dFast(
  x: tf.Tensor5D,
  filter: tf.Tensor5D,
  dilation: [number, number, number] = [1, 1, 1],
): tf.Tensor5D {
  const [n, d, h, w, cin] = x.shape;
  const [kd, kh, kw, , cout] = filter.shape;
  const [dd, dh, dw] = dilation;
  const [padBefore, padAfter] = samePads(kd, dd);
  // Depth taps are slices of a [N, D', H·W·C] view: contiguous rows, fast on every backend.
  const plane = h * w * cin;
  const xFlat = tf.reshape(x, [n, d, plane]);
  const xPadded = padBefore + padAfter > 0 ? tf.pad(xFlat, [[0, 0], [padBefore, padAfter], [0, 0]]) : xFlat;
  let sum: tf.Tensor4D | undefined;
  for (let tap = 0; tap < kd; tap++) {
    const slab = kd === 1 ? xPadded : tf.slice(xPadded, [0, tap * dd, 0], [n, d, plane]);
    const tapFilter = tf.reshape(tf.slice(filter, [tap, 0, 0, 0, 0], [1, kh, kw, cin, cout]), [kh, kw, cin, cout]);
    const y = conv2dFast(tf.reshape(slab, [n * d, h, w, cin]), tapFilter as tf.Tensor4D, [dh, dw]);
    sum = sum === undefined ? y : (tf.add(sum, y) as tf.Tensor4D);
  }
  return tf.reshape(sum!, [n, d, h, w, cout]);
}
