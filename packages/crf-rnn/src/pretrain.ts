// Pre-training of the Pairwise-Net alone, as DeepIGeoS does before training CRF-Net: sampled
// voxel pairs within the CRF window, target 1 when both voxels carry the same label.
import * as tf from '@tensorflow/tfjs-core';
import type { CrfNetF } from './crf-net.js';
import { ArgumentError, ShapeError, requireFinite, requireInteger, requirePositive } from './errors.js';
import { pairwiseLogits } from './pairwise-net.js';
import { createRng } from '@deepigeos/core';

/** Options of {@link pretrainPairwiseNet}. */
export interface PretrainPairwiseOptions {
  /** Images `[N, ...spatial, C]` with the layer's channel count C. */
  images: tf.Tensor;
  /** Integer label maps `[N, ...spatial, 1]` (ground truth). */
  labels: tf.Tensor;
  /** Optimisation steps. Default 200. */
  steps?: number;
  /** Voxel pairs per step. Default 2048. */
  pairsPerStep?: number;
  /** Adam learning rate. Default 0.01. */
  learningRate?: number;
  /** Seed of the pair sampler. Default 1. */
  seed?: number;
}

/** Outcome of {@link pretrainPairwiseNet}. */
export interface PretrainPairwiseResult {
  /** Class-balanced binary cross-entropy per step. */
  losses: number[];
  /** Balanced accuracy (mean of same-label and different-label recall) on a fresh sample after training. */
  balancedAccuracy: number;
}

/** A batch of sampled pairs: feature differences `[P, C]`, physical offsets `[P, S]`, targets `[P, 1]`. */
interface PairBatch {
  diff: Float32Array;
  offsets: Float32Array;
  same: Float32Array;
}

function samplePairs(
  image: Float32Array,
  labels: ArrayLike<number>,
  batch: number,
  spatial: readonly number[],
  channels: number,
  layer: CrfNetF,
  count: number,
  random: () => number,
): PairBatch {
  const window = layer.windowOffsets();
  const spacing = layer.spacing();
  const rank = spatial.length;
  const voxels = spatial.reduce((a, b) => a * b, 1);
  const out: PairBatch = { diff: new Float32Array(count * channels), offsets: new Float32Array(count * rank), same: new Float32Array(count) };
  const c = new Array<number>(rank);
  for (let p = 0; p < count; ) {
    const n = Math.floor(random() * batch);
    const i = Math.floor(random() * voxels);
    const k = Math.floor(random() * window.count);
    let rest = i;
    let j = 0;
    let inside = true;
    for (let a = rank - 1; a >= 0; a--) {
      c[a] = rest % spatial[a]!;
      rest = Math.floor(rest / spatial[a]!);
    }
    for (let a = 0; a < rank; a++) {
      const q = c[a]! + window.offsets[k * rank + a]!;
      if (q < 0 || q >= spatial[a]!) inside = false;
      j = j * spatial[a]! + q;
    }
    if (!inside) continue;
    const gi = n * voxels + i;
    const gj = n * voxels + j;
    for (let ch = 0; ch < channels; ch++) out.diff[p * channels + ch] = image[gj * channels + ch]! - image[gi * channels + ch]!;
    for (let a = 0; a < rank; a++) out.offsets[p * rank + a] = window.offsets[k * rank + a]! * spacing[a]!;
    out.same[p] = labels[gi] === labels[gj] ? 1 : 0;
    p++;
  }
  return out;
}

/**
 * Pre-trains the Pairwise-Net of a built {@link CrfNetF} / `CrfNetFU` to predict whether two
 * voxels within the CRF window share a label (class-balanced sigmoid cross-entropy, Adam). Only
 * the Pairwise-Net weights change; the compatibility is left at its Potts initialisation.
 * @throws {@link ArgumentError} if the layer is not built or an option is invalid
 * @throws {@link ShapeError} if images and labels disagree with each other or with the layer
 */
export function pretrainPairwiseNet(layer: CrfNetF, options: PretrainPairwiseOptions): PretrainPairwiseResult {
  const { images, labels, steps = 200, pairsPerStep = 2048, learningRate = 0.01, seed = 1 } = options;
  if (!layer.built) throw new ArgumentError('pretrainPairwiseNet: build the layer first (apply it once to example inputs)');
  requireInteger('pretrainPairwiseNet: steps', steps, 1);
  requireInteger('pretrainPairwiseNet: pairsPerStep', pairsPerStep, 1);
  requirePositive('pretrainPairwiseNet: learningRate', learningRate);
  const rank = layer.windowOffsets().rank;
  const spatial = images.shape.slice(1, -1);
  const channels = images.shape.at(-1)!;
  if (images.rank !== rank + 2) throw new ShapeError(`pretrainPairwiseNet: images must be [N, ${rank === 2 ? 'H, W' : 'D, H, W'}, C], got [${images.shape}]`);
  const expected = [...images.shape.slice(0, -1), 1];
  if (labels.rank !== expected.length || labels.shape.some((v, i) => v !== expected[i])) {
    throw new ShapeError(`pretrainPairwiseNet: labels must be [${expected}], got [${labels.shape}]`);
  }
  const weights = layer.pairwiseWeights();
  if (weights.kernels[0]!.shape[0] !== channels + rank) {
    throw new ShapeError(`pretrainPairwiseNet: the layer was built for ${weights.kernels[0]!.shape[0]! - rank}-channel images, got ${channels}`);
  }
  const imageData = images.dataSync() as Float32Array;
  requireFinite('pretrainPairwiseNet: images', imageData);
  const labelData = labels.dataSync();
  const rng = createRng(seed);
  const random = rng.next;
  const draw = () => samplePairs(imageData, labelData, images.shape[0]!, spatial, channels, layer, pairsPerStep, random);
  const logitsOf = (b: PairBatch) => {
    const input = tf.concat([tf.tensor2d(b.diff, [pairsPerStep, channels]), tf.tensor2d(b.offsets, [pairsPerStep, rank])], 1);
    return pairwiseLogits(layer.pairwiseWeights(), input);
  };
  const optimizer = tf.train.adam(learningRate);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const batch = draw();
    let positives = 0;
    for (const s of batch.same) positives += s;
    // Each class contributes half of the loss: boundaries are rare among window pairs.
    const wPos = positives > 0 ? 0.5 / positives : 0;
    const wNeg = positives < pairsPerStep ? 0.5 / (pairsPerStep - positives) : 0;
    const classWeights = tf.tensor2d(Float32Array.from(batch.same, (s) => (s ? wPos : wNeg) * pairsPerStep), [pairsPerStep, 1]);
    const target = tf.tensor2d(batch.same, [pairsPerStep, 1]);
    const cost = optimizer.minimize(
      () => tf.losses.sigmoidCrossEntropy(target, logitsOf(batch), classWeights, 0, tf.Reduction.MEAN) as tf.Scalar,
      true,
      layer.pairwiseVariables(),
    );
    losses.push(cost!.dataSync()[0]!);
    tf.dispose([cost!, classWeights, target]);
  }
  optimizer.dispose();
  const test = draw();
  const predicted = tf.tidy(() => logitsOf(test).dataSync());
  const hits = [0, 0];
  const totals = [0, 0];
  for (let p = 0; p < pairsPerStep; p++) {
    const cls = test.same[p]!;
    totals[cls]!++;
    if ((predicted[p]! > 0 ? 1 : 0) === cls) hits[cls]!++;
  }
  const recalls = [0, 1].filter((c) => totals[c]! > 0).map((c) => hits[c]! / totals[c]!);
  return { losses, balancedAccuracy: recalls.reduce((a, b) => a + b, 0) / recalls.length };
}
