import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from './errors.js';

/**
 * Anything that maps an input tensor to per-voxel class logits `[1, ...spatial, 2]` — a
 * tfjs-layers `LayersModel` from `@deepigeos/pnet` (P-Net, R-Net) fits, and so does an object
 * whose `predict` is asynchronous (e.g. one that splits the volume across worker threads).
 */
export interface SegmentationNetwork {
  /**
   * Inference-mode forward pass: `[1, ...spatial, C]` → logits `[1, ...spatial, 2]` (a tensor
   * or a promise of one; when it returns several tensors the first is used and the rest are
   * disposed). It must not dispose its input.
   */
  predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] | Promise<tf.Tensor | tf.Tensor[]>;
}

/** Runs a network in inference mode and returns its logits, checking the output layout. */
export async function predictLogits(network: SegmentationNetwork, x: tf.Tensor, name: string): Promise<tf.Tensor> {
  const out = await network.predict(x);
  const [logits, ...rest] = Array.isArray(out) ? out : [out];
  tf.dispose(rest);
  const expected = [...x.shape.slice(0, -1), 2];
  if (!logits || logits.shape.length !== expected.length || logits.shape.some((n, i) => n !== expected[i])) {
    tf.dispose(logits);
    throw new ShapeError(`${name} must output two-class logits of shape [${expected}]; got [${logits?.shape ?? 'nothing'}]`);
  }
  return logits;
}

/** Foreground probability (softmax channel 1) of two-class logits, as a flat typed array. */
export async function foregroundProbability(logits: tf.Tensor): Promise<Float32Array> {
  const fg = tf.tidy(() => {
    const p = tf.softmax(logits);
    const last = logits.shape.length - 1;
    return tf.reshape(tf.slice(p, [...new Array(last).fill(0), 1], [...logits.shape.slice(0, -1), 1]), [-1]);
  });
  const data = (await fg.data()) as Float32Array;
  fg.dispose();
  return new Float32Array(data);
}
