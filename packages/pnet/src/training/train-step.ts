import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkModelInput } from '../validate.js';
import { softDiceLoss, weightedCrossEntropy } from './losses.js';

/** Loss of {@link trainStep}: a name or a function of (labels, logits). */
export type LossSpec = 'crossEntropy' | 'dice' | 'crossEntropy+dice' | ((labels: tf.Tensor, logits: tf.Tensor) => tf.Scalar);

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  /** Default `'crossEntropy'`. `'crossEntropy+dice'` sums the two. */
  loss?: LossSpec;
  /** Per-class weights of the cross-entropy. */
  classWeights?: readonly number[];
}

/** Resolves a {@link LossSpec} to a function. */
export function lossFunction(spec: LossSpec = 'crossEntropy', classWeights?: readonly number[]) {
  if (typeof spec === 'function') return spec;
  return (labels: tf.Tensor, logits: tf.Tensor): tf.Scalar => {
    if (spec === 'dice') return softDiceLoss(labels, logits);
    const ce = weightedCrossEntropy(labels, logits, classWeights);
    return spec === 'crossEntropy+dice' ? tf.add(ce, softDiceLoss(labels, logits)) : ce;
  };
}

/**
 * One optimisation step on an `[image, label]` batch: forward in training mode (dropout and
 * batch-norm statistics active), loss, gradients through the fast conv kernels, update.
 * `image` `[N, (D,) H, W, C]` float32; `label` class indices `[N, (D,) H, W]` or one-hot.
 * Resolves to the loss value before the update.
 *
 * @example
 * ```ts
 * const optimizer = tf.train.adam(1e-3);
 * for (const [image, label] of batches) await trainStep(model, optimizer, [image, label]);
 * ```
 */
export async function trainStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  batch: [tf.Tensor, tf.Tensor],
  options: TrainStepOptions = {},
): Promise<number> {
  const [image, label] = batch;
  checkModelInput(model, image, 'trainStep');
  const loss = lossFunction(options.loss, options.classWeights);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const value = optimizer.minimize(() => loss(label, model.apply(image, { training: true }) as tf.Tensor), true, variables);
  const result = (await value!.data())[0]!;
  value!.dispose();
  return result;
}
