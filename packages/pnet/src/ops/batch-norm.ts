import * as tf from '@tensorflow/tfjs-core';

/** Batch statistics of a channels-last tensor of any rank, over every axis but the last. */
export interface BatchMoments {
  /** Normalised, scaled and shifted output. */
  y: tf.Tensor;
  /** Per-channel batch mean. */
  mean: tf.Tensor1D;
  /** Per-channel biased batch variance (the one used to normalise). */
  variance: tf.Tensor1D;
}

/**
 * Training-mode batch norm from elementwise ops, so it works and differentiates for 4D and 5D
 * inputs on every backend (`tf.batchNorm`'s gradient fails on 5D).
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): BatchMoments {
  const axes = [...Array(x.rank - 1).keys()];
  const { mean, variance } = tf.moments(x, axes);
  const y = tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/** Inference-mode batch norm with stored statistics (elementwise, any rank). */
export function batchNormInference(
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): tf.Tensor {
  const scale = tf.div(gamma, tf.sqrt(tf.add(variance, epsilon)));
  return tf.add(tf.mul(tf.sub(x, mean), scale), beta);
}

/**
 * PyTorch's running-statistics update: `running = (1 − m)·running + m·batch`, with the
 * unbiased batch variance (n/(n−1)) for the running variance.
 */
export function updatedRunningStats(
  runningMean: tf.Tensor,
  runningVariance: tf.Tensor,
  batch: BatchMoments,
  count: number,
  momentum: number,
): [tf.Tensor, tf.Tensor] {
  const unbiased = count > 1 ? tf.mul(batch.variance, count / (count - 1)) : batch.variance;
  return [
    tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(batch.mean, momentum)),
    tf.add(tf.mul(runningVariance, 1 - momentum), tf.mul(unbiased, momentum)),
  ];
}
