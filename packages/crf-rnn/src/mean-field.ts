// The mean-field recurrence shared by every CRF layer (CRF-as-RNN, Zheng et al. 2015):
//   Q = softmax(U);  repeat: M = message(Q);  U' = U − M·μᵀ;  Q = softmax(U')
// with μ the learned L×L label compatibility (Potts init −I rewards agreeing neighbours).
import * as tf from '@tensorflow/tfjs-core';

/** Inputs of {@link meanField}. */
export interface MeanFieldSpec {
  /** Unary logits `[N, ...spatial, L]`. */
  unaries: tf.Tensor;
  /** Number of mean-field iterations (>= 1). */
  iterations: number;
  /** Pairwise message of a label distribution, same shape as `unaries`. */
  message: (q: tf.Tensor) => tf.Tensor;
  /** Label compatibility μ, `[L, L]`. */
  compatibility: tf.Tensor;
  /** Optional hard constraint applied to Q at initialisation and after every iteration. */
  clamp?: (q: tf.Tensor) => tf.Tensor;
}

/** Applies the compatibility transform P[x, l] = Σ_l' μ[l, l'] · M[x, l']. */
export function compatibilityTransform(message: tf.Tensor, compatibility: tf.Tensor): tf.Tensor {
  const labels = message.shape[message.shape.length - 1]!;
  const flat = tf.reshape(message, [-1, labels]);
  return tf.reshape(tf.matMul(flat, tf.transpose(compatibility)), message.shape);
}

/** Runs the unrolled mean-field iterations and returns the refined logits U'. */
export function meanField(spec: MeanFieldSpec): tf.Tensor {
  const clamp = spec.clamp ?? ((q: tf.Tensor) => q);
  let q = clamp(tf.softmax(spec.unaries));
  let logits = spec.unaries;
  for (let t = 0; t < spec.iterations; t++) {
    const pairwise = compatibilityTransform(spec.message(q), spec.compatibility);
    logits = tf.sub(spec.unaries, pairwise);
    q = clamp(tf.softmax(logits));
  }
  return logits;
}
