import * as tf from '@tensorflow/tfjs-core';
import type { SegmentationNetwork } from '../../src/network.js';

/**
 * Pointwise stand-in networks with known outputs, so session plumbing can be checked exactly.
 * Each records the inputs it was called with.
 */
export class ThresholdNet implements SegmentationNetwork {
  readonly inputs: Float32Array[] = [];
  /** fg logit = gain · (channel 0 − 0.5), bg logit = 0. */
  constructor(private readonly gain = 6) {}
  predict(x: tf.Tensor): tf.Tensor {
    this.inputs.push(x.dataSync() as Float32Array);
    return tf.tidy(() => {
      const c0 = tf.slice(x, new Array(x.rank).fill(0), [...x.shape.slice(0, -1), 1]);
      return tf.concat([tf.zerosLike(c0), tf.mul(tf.sub(c0, 0.5), this.gain)], -1);
    });
  }
}

/**
 * R-Net stand-in reading the encoded channels (image, probability, G(fg), G(bg)):
 * fg logit = 4·(probability − 0.5) + 6·(G(bg) − G(fg)), so seeds pull their neighbourhood.
 */
export class SeedPullNet implements SegmentationNetwork {
  readonly inputs: Float32Array[] = [];
  constructor(private readonly imageChannels = 1) {}
  predict(x: tf.Tensor): tf.Tensor {
    this.inputs.push(x.dataSync() as Float32Array);
    return tf.tidy(() => {
      const at = (c: number) => tf.slice(x, [...new Array(x.rank - 1).fill(0), this.imageChannels + c], [...x.shape.slice(0, -1), 1]);
      const fg = tf.add(tf.mul(tf.sub(at(0), 0.5), 4), tf.mul(tf.sub(at(2), at(1)), 6));
      return tf.concat([tf.zerosLike(fg), fg], -1);
    });
  }
}

/** Channel `c` of a channels-last array with `stride` values per voxel. */
export function channel(data: Float32Array, stride: number, c: number): Float32Array {
  return Float32Array.from({ length: data.length / stride }, (_, i) => data[i * stride + c]!);
}
