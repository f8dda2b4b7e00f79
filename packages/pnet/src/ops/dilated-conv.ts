import type * as tf from '@tensorflow/tfjs-core';
import { conv2dFast } from './conv2d-fast.js';
import { conv3dFast } from './conv3d-fast.js';

/**
 * 'same' stride-1 dilated convolution with optional bias and ReLU (fused where the backend
 * allows), 2D or 3D by the kernel's rank (`[kh, kw, Cin, Cout]` or `[kd, kh, kw, Cin, Cout]`), on
 * the fast trainable paths.
 */
export function dilatedConv(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | undefined, dilation: number[], relu = false): tf.Tensor {
  const epilogue = { bias: bias as tf.Tensor1D | undefined, relu };
  return kernel.rank === 4
    ? conv2dFast(x as tf.Tensor4D, kernel as tf.Tensor4D, dilation as [number, number], epilogue)
    : conv3dFast(x as tf.Tensor5D, kernel as tf.Tensor5D, dilation as [number, number, number], epilogue);
}
