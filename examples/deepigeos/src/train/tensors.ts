/**
 * Conversions between the data pipeline's typed arrays and tfjs tensors (channels-last batches),
 * and batched foreground-probability inference.
 * @module
 */
import { foregroundProbability, predictLogits, type SegmentationNetwork } from '@deepigeos/rnet';
import * as tf from '@tensorflow/tfjs-core';
import type { LabelledImage } from '../data/augment.js';
import type { ImageVolume } from '../data/volume.js';

/** Stacks equally shaped samples into `x [N, ...shape, C]` (float32) and `y [N, ...shape]` (int32 class indices). */
export function batchTensors(samples: LabelledImage[]): { x: tf.Tensor; y: tf.Tensor } {
  const first = samples[0]!.image;
  const n = samples.length;
  const vox = samples[0]!.label.length;
  const x = new Float32Array(n * vox * first.channels);
  const y = new Int32Array(n * vox);
  samples.forEach((s, k) => {
    x.set(s.image.data, k * vox * first.channels);
    for (let i = 0; i < vox; i++) y[k * vox + i] = s.label[i]!;
  });
  return { x: tf.tensor(x, [n, ...first.shape, first.channels]), y: tf.tensor(y, [n, ...first.shape], 'int32') };
}

/**
 * Foreground probability (softmax channel 1 of a 2-class network) for one image, as a
 * Float32Array over its voxels.
 */
export async function predictForeground(model: SegmentationNetwork, image: ImageVolume): Promise<Float32Array> {
  const x = tf.tensor(image.data, [1, ...image.shape, image.channels]);
  try {
    return (await batchForeground(model, x))[0]!;
  } finally {
    x.dispose();
  }
}

/** Foreground probabilities (softmax channel 1 of a 2-class network) of a batch `x`, one array per sample. */
export async function batchForeground(model: SegmentationNetwork, x: tf.Tensor): Promise<Float32Array[]> {
  const logits = await predictLogits(model, x, 'the network');
  try {
    const all = await foregroundProbability(logits);
    const n = all.length / x.shape[0]!;
    return Array.from({ length: x.shape[0]! }, (_, k) => all.subarray(k * n, (k + 1) * n));
  } finally {
    logits.dispose();
  }
}

/** Thresholds probabilities at 0.5 into a 0/1 mask. */
export function threshold(prob: Float32Array): Uint8Array {
  const m = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) m[i] = prob[i]! > 0.5 ? 1 : 0;
  return m;
}
