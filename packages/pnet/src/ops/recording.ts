import * as tf from '@tensorflow/tfjs-core';

/**
 * True while tfjs records operations for gradients (inside `tf.grads`, `optimizer.minimize`, …).
 * Inference paths may then free intermediates early and trade copies for memory.
 */
export function isRecordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}
