import * as tf from '@tensorflow/tfjs-core';

/** `acc + y`, disposing both operands (running sums that keep one partial alive). @internal */
export function accumulate(acc: tf.Tensor | undefined, y: tf.Tensor): tf.Tensor {
  if (acc === undefined) return y;
  const sum = tf.add(acc, y);
  acc.dispose();
  y.dispose();
  return sum;
}
