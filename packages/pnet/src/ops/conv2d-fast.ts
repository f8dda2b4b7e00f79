import * as tf from '@tensorflow/tfjs-core';

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

type ExplicitPadding4D = [[number, number], [number, number], [number, number], [number, number]];

function explicit(p: Pads2D): ExplicitPadding4D {
  return [[0, 0], p[0], p[1], [0, 0]];
}

/**
 * Stride-1 'same' conv2d (NHWC, filter [kh, kw, Cin, Cout]) whose gradients are themselves forward
 * conv2d calls, so training stays on the fast kernels of every backend: wasm has no
 * Conv2DBackpropFilter and a slow conv2dTranspose, and no backend differentiates dilation > 1.
 *
 * - input gradient: dy convolved with the 180°-rotated filter (in/out channels swapped), same
 *   dilation, the mirrored padding;
 * - filter gradient: the padded input transposed to [Cin, H', W', N] convolved ('valid', strides
 *   = dilation) with dy transposed to [H, W, N, Cout], giving [Cin, kh, kw, Cout].
 */
export function conv2dFast(x: tf.Tensor4D, filter: tf.Tensor4D, dilation: [number, number] = [1, 1]): tf.Tensor4D {
  return fastConvFor(filter.shape[0], filter.shape[1], dilation)(x, filter) as tf.Tensor4D;
}

type Conv = (x: tf.Tensor, filter: tf.Tensor) => tf.Tensor;
const cache = new Map<string, Conv>();

function fastConvFor(kh: number, kw: number, dilation: [number, number]): Conv {
  const key = `${kh},${kw},${dilation[0]},${dilation[1]}`;
  let conv = cache.get(key);
  if (conv === undefined) {
    conv = makeFastConv(kh, kw, dilation);
    cache.set(key, conv);
  }
  return conv;
}

function makeFastConv(kh: number, kw: number, dilation: [number, number]): Conv {
  const [dh, dw] = dilation;
  const pads: Pads2D = [samePads(kh, dh), samePads(kw, dw)];
  // Full correlation of dy needs d·(k−1) − pad on each side: the forward pads, mirrored.
  const backPads: Pads2D = [
    [pads[0][1], pads[0][0]],
    [pads[1][1], pads[1][0]],
  ];
  const pointwise = kh === 1 && kw === 1;
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, filter, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const x4 = x as tf.Tensor4D;
    const f4 = filter as tf.Tensor4D;
    save([x4, f4]);
    const value = pointwise ? tf.conv2d(x4, f4, 1, 'valid') : tf.conv2d(x4, f4, 1, explicit(pads), 'NHWC', [dh, dw]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, fs] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dy4 = dy as tf.Tensor4D;
      const flipped = tf.transpose(tf.reverse(fs, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const dx = pointwise
        ? tf.conv2d(dy4, flipped, 1, 'valid')
        : tf.conv2d(dy4, flipped, 1, explicit(backPads), 'NHWC', [dh, dw]);
      const xPadded = pointwise ? xs : tf.pad(xs, explicit(pads));
      const xT = tf.transpose(xPadded, [3, 1, 2, 0]) as tf.Tensor4D;
      const dyT = tf.transpose(dy4, [1, 2, 0, 3]) as tf.Tensor4D;
      const dwT = tf.conv2d(xT, dyT, [dh, dw], 'valid');
      const df = tf.transpose(dwT, [1, 2, 0, 3]);
      return [dx, df];
    };
    return { value, gradFunc };
  }) as Conv;
}
