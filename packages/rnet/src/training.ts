import { type EncodeInteractionsOptions, encodeInteractionsData } from './encode.js';
import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from './errors.js';
import { binarize, checkLength, type GridShape, shapeSize } from './grid.js';
import type { Rng } from './rng.js';
import { type SimulateOptions, simulateInteractions } from './simulate.js';

/** Options of {@link rnetTrainingSample}. */
export interface RNetTrainingSampleOptions {
  /** Image, channels-last. */
  image: ArrayLike<number>;
  /** `[H, W]` or `[D, H, W]`. */
  shape: GridShape;
  /** Spacing per axis; default all 1. */
  spacing?: readonly number[];
  /** Image channels; default 1. */
  channels?: number;
  /** The segmentation to refine, as foreground probability (typically P-Net's output). */
  probability: ArrayLike<number>;
  /** Reference segmentation: the training target and what the simulated user compares with. */
  groundTruth: ArrayLike<number>;
  /** Random source or seed of the simulated user. */
  rng?: Rng | number;
  /** Simulated user mode. */
  mode?: SimulateOptions['mode'];
  /** Distance-map encoding (must match the one used at inference). */
  geodesic?: EncodeInteractionsOptions['geodesic'];
}

/** One R-Net training example. */
export interface RNetTrainingSample {
  /** R-Net input, channels-last with `channels + 3` values per voxel (see `encodeInteractions`). */
  input: Float32Array;
  /** Target label per voxel (0/1). */
  label: Uint8Array;
  /** Foreground seeds the simulated user placed (mask). */
  fgSeeds: Uint8Array;
  /** Background seeds the simulated user placed (mask). */
  bgSeeds: Uint8Array;
}

/**
 * Makes one R-Net training example the way DeepIGeoS trains R-Net: a simulated user marks the
 * errors of the current segmentation (P-Net's, or an earlier round's), the seeds are encoded as
 * distance maps next to the image and the current probability, and the target is the ground
 * truth. Stack samples into a batch and train R-Net (e.g. with `@deepigeos/pnet`'s training step).
 */
export async function rnetTrainingSample(options: RNetTrainingSampleOptions): Promise<RNetTrainingSample> {
  const size = shapeSize(options.shape);
  const label = binarize(options.groundTruth, size, 'groundTruth');
  const { fgSeeds, bgSeeds } = simulateInteractions({
    prediction: options.probability,
    groundTruth: label,
    shape: options.shape,
    ...(options.rng === undefined ? {} : { rng: options.rng }),
    ...(options.mode === undefined ? {} : { mode: options.mode }),
  });
  const input = await encodeInteractionsData({
    image: options.image,
    shape: options.shape,
    ...(options.spacing === undefined ? {} : { spacing: options.spacing }),
    ...(options.channels === undefined ? {} : { channels: options.channels }),
    probability: options.probability,
    fgSeeds,
    bgSeeds,
    ...(options.geodesic === undefined ? {} : { geodesic: options.geodesic }),
  });
  return { input, label, fgSeeds, bgSeeds };
}

/**
 * Stacks training samples of one shape into an R-Net batch: inputs `[N, ...shape, channels + 3]`
 * (float32) and labels `[N, ...shape]` (int32 class indices) — the `[image, label]` pair that
 * `@deepigeos/pnet`'s `trainStep` takes. The caller owns (and disposes) the tensors.
 */
export function stackTrainingSamples(samples: readonly RNetTrainingSample[], shape: GridShape): [tf.Tensor, tf.Tensor] {
  const size = shapeSize(shape);
  if (samples.length === 0) throw new OptionError('stackTrainingSamples needs at least one sample');
  const stride = samples[0]!.input.length / size;
  const inputs = new Float32Array(samples.length * size * stride);
  const labels = new Int32Array(samples.length * size);
  samples.forEach((s, k) => {
    checkLength(s.input, size, `samples[${k}].input`, stride);
    checkLength(s.label, size, `samples[${k}].label`);
    inputs.set(s.input, k * size * stride);
    labels.set(s.label, k * size);
  });
  return [tf.tensor(inputs, [samples.length, ...shape, stride], 'float32'), tf.tensor(labels, [samples.length, ...shape], 'int32')];
}
