import * as tf from '@tensorflow/tfjs-core';
import { conv2dFast } from './conv2d-fast.js';
import { conv3dFast } from './conv3d-fast.js';

/**
 * 'same' stride-1 dilated convolution plus optional bias, 2D or 3D by the kernel's rank
 * (`[kh, kw, Cin, Cout]` or `[kd, kh, kw, Cin, Cout]`), on the fast trainable paths.
 */
export function dilatedConv(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | undefined, dilation: number[]): tf.Tensor {
  const y =
    kernel.rank === 4
      ? conv2dFast(x as tf.Tensor4D, kernel as tf.Tensor4D, dilation as [number, number])
      : conv3dFast(x as tf.Tensor5D, kernel as tf.Tensor5D, dilation as [number, number, number]);
  return bias === undefined ? y : tf.add(y, bias);
}
