import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeError } from '../errors.js';
import { batchNormInference, batchNormTraining, updatedRunningStats } from '../ops/batch-norm.js';
import { checkFloat32, type LayerArgs, singleShape, singleTensor } from './common.js';

/** The four variables of one batch-norm: affine parameters and running statistics. */
export interface BatchNormVariables {
  gamma: tfl.LayerVariable;
  beta: tfl.LayerVariable;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

/** Batch-norm hyper-parameters, PyTorch's defaults and semantics. */
export interface BatchNormSettings {
  /** Weight of the new batch in the running statistics. Default 0.1 (PyTorch's `momentum`). */
  momentum?: number;
  /** Added to the variance. Default 1e-5 (PyTorch's `eps`). */
  epsilon?: number;
}

/**
 * Normalises `x` over every axis but the last. In training (`training: true`) it uses batch
 * statistics and updates the running ones in place; otherwise it uses the running statistics.
 */
export function applyBatchNorm(
  x: tf.Tensor,
  vars: BatchNormVariables,
  training: boolean,
  settings: Required<BatchNormSettings>,
): tf.Tensor {
  const gamma = vars.gamma.read();
  const beta = vars.beta.read();
  if (!training) return batchNormInference(x, vars.movingMean.read(), vars.movingVariance.read(), gamma, beta, settings.epsilon);
  const batch = batchNormTraining(x, gamma, beta, settings.epsilon);
  const count = x.size / x.shape[x.rank - 1]!;
  tf.tidy(() => {
    const [mean, variance] = updatedRunningStats(vars.movingMean.read(), vars.movingVariance.read(), batch, count, settings.momentum);
    vars.movingMean.write(mean);
    vars.movingVariance.write(variance);
  });
  return batch.y;
}

/** Creates the batch-norm variables of a layer with `channels` channels, named with `prefix`. */
export function addBatchNormWeights(
  add: (name: string, shape: number[], init: ReturnType<typeof tfl.initializers.zeros>, trainable: boolean) => tfl.LayerVariable,
  prefix: string,
  channels: number,
): BatchNormVariables {
  return {
    gamma: add(`${prefix}gamma`, [channels], tfl.initializers.ones(), true),
    beta: add(`${prefix}beta`, [channels], tfl.initializers.zeros(), true),
    movingMean: add(`${prefix}moving_mean`, [channels], tfl.initializers.zeros(), false),
    movingVariance: add(`${prefix}moving_variance`, [channels], tfl.initializers.ones(), false),
  };
}

/** Constructor arguments of {@link BatchNormND}. */
export interface BatchNormNDArgs extends LayerArgs, BatchNormSettings {}

/**
 * Batch normalisation over the last (channel) axis for inputs of any rank, including 5D
 * `[N, D, H, W, C]` (tfjs' `batchNormalization` layer rejects rank 5). PyTorch semantics:
 * biased variance to normalise, unbiased in the running average, `momentum` 0.1, `epsilon` 1e-5.
 * Weights: `gamma`, `beta` (trainable), `moving_mean`, `moving_variance`.
 */
export class BatchNormND extends tfl.layers.Layer {
  /** @internal */
  static readonly className = 'BatchNormND';
  readonly momentum: number;
  readonly epsilon: number;
  private vars?: BatchNormVariables;

  constructor(args: BatchNormNDArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override build(inputShape: (number | null)[] | (number | null)[][]): void {
    const shape = singleShape(inputShape);
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number') throw new ShapeError(`${this.name}: the channel axis (last) of the input shape must be known`);
    this.vars = addBatchNormWeights(
      (name, s, init, trainable) => this.addWeight(name, s, 'float32', init, undefined, trainable),
      '',
      channels,
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs, this.name);
      checkFloat32(x, this.name);
      return applyBatchNorm(x, this.vars!, kwargs['training'] === true, { momentum: this.momentum, epsilon: this.epsilon });
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(BatchNormND);
