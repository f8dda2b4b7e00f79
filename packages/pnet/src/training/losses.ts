import * as tf from '@tensorflow/tfjs-core';
import { formatShape, ShapeError } from '../errors.js';

/**
 * Labels as one-hot float32 `[..., C]` matching `logits`. Accepts integer class maps with the
 * logits' shape minus the channel axis (any int dtype) or one-hot / soft labels of the logits' shape.
 */
export function oneHotLabels(labels: tf.Tensor, logits: tf.Tensor, fn: string): tf.Tensor {
  const classes = logits.shape[logits.rank - 1]!;
  const spatial = logits.shape.slice(0, -1);
  if (labels.rank === logits.rank && labels.shape.every((d, i) => d === logits.shape[i])) {
    return labels.dtype === 'float32' ? labels : tf.cast(labels, 'float32');
  }
  if (labels.rank === logits.rank - 1 && labels.shape.every((d, i) => d === spatial[i])) {
    return tf.reshape(tf.oneHot(tf.cast(tf.reshape(labels, [-1]), 'int32'), classes), logits.shape);
  }
  throw new ShapeError(
    `${fn}: labels must be class indices of shape ${formatShape(spatial)} or one-hot of shape ` +
      `${formatShape(logits.shape)}, got ${formatShape(labels.shape)}`,
  );
}

function checkClassWeights(classWeights: readonly number[] | undefined, classes: number, fn: string): void {
  if (classWeights !== undefined && (classWeights.length !== classes || classWeights.some((w) => !(w >= 0)))) {
    throw new ShapeError(`${fn}: classWeights must be ${classes} non-negative numbers, got ${JSON.stringify(classWeights)}`);
  }
}

/**
 * Weighted softmax cross-entropy, reduced like PyTorch's `CrossEntropyLoss(weight=w)`:
 * `Σ w[y]·(−log p_y) / Σ w[y]` over all voxels. `logits` `[N, ..., C]`; `labels` class indices
 * `[N, ...]` or one-hot `[N, ..., C]` (soft labels weight each class by its probability).
 */
export function weightedCrossEntropy(labels: tf.Tensor, logits: tf.Tensor, classWeights?: readonly number[]): tf.Scalar {
  return tf.tidy(() => {
    const fn = 'weightedCrossEntropy';
    const classes = logits.shape[logits.rank - 1]!;
    checkClassWeights(classWeights, classes, fn);
    const y = oneHotLabels(labels, logits, fn);
    const logP = tf.logSoftmax(logits);
    const w = classWeights === undefined ? tf.ones([classes]) : tf.tensor1d(classWeights as number[]);
    const perVoxelWeight = tf.sum(tf.mul(y, w), -1);
    const nll = tf.neg(tf.sum(tf.mul(tf.mul(y, logP), w), -1));
    return tf.div(tf.sum(nll), tf.maximum(tf.sum(perVoxelWeight), 1e-12)) as tf.Scalar;
  });
}

/** Options of {@link softDiceLoss}. */
export interface SoftDiceOptions {
  /** Added to numerator and denominator (empty classes score 1). Default 1e-5. */
  smooth?: number;
  /** Leave class 0 (background) out of the average. Default false. */
  excludeBackground?: boolean;
}

/**
 * Soft Dice loss `1 − mean_c (2 Σ p·y + s) / (Σ p + Σ y + s)`, sums over the batch and every
 * voxel, p = softmax(logits). Same label formats as {@link weightedCrossEntropy}.
 */
export function softDiceLoss(labels: tf.Tensor, logits: tf.Tensor, options: SoftDiceOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const smooth = options.smooth ?? 1e-5;
    const y = oneHotLabels(labels, logits, 'softDiceLoss');
    const p = tf.softmax(logits);
    const axes = [...Array(logits.rank - 1).keys()];
    let intersection = tf.sum(tf.mul(p, y), axes);
    let total = tf.add(tf.sum(p, axes), tf.sum(y, axes));
    const classes = logits.shape[logits.rank - 1]!;
    if (options.excludeBackground === true && classes > 1) {
      intersection = tf.slice(intersection, [1], [classes - 1]);
      total = tf.slice(total, [1], [classes - 1]);
    }
    const dice = tf.div(tf.add(tf.mul(intersection, 2), smooth), tf.add(total, smooth));
    return tf.sub(1, tf.mean(dice)) as tf.Scalar;
  });
}

/**
 * Hard Dice score of class `cls` between an argmax prediction and integer labels (for
 * evaluation; not differentiable). Both empty counts as 1.
 */
export function diceScore(labels: tf.Tensor, logits: tf.Tensor, cls = 1): number {
  return tf.tidy(() => {
    const pred = tf.equal(tf.argMax(logits, -1), cls);
    const truth = tf.equal(tf.cast(labels, 'int32'), cls);
    const inter = tf.sum(tf.cast(tf.logicalAnd(pred, truth), 'float32')).dataSync()[0]!;
    const total = tf.add(tf.sum(tf.cast(pred, 'float32')), tf.sum(tf.cast(truth, 'float32'))).dataSync()[0]!;
    return total === 0 ? 1 : (2 * inter) / total;
  });
}
