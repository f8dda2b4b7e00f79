import { type PredictVolumeOptions, predictVolume } from '@deepigeos/pnet';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
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
   * disposed). It must not dispose its input, and should leave no other tensors behind
   * (`LayersModel.predict` tidies itself; wrap hand-written ones in `tf.tidy`).
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

/**
 * Foreground probability (softmax channel 1) of two-class logits `[..., 2]`, as a flat typed
 * array: σ(l₁ − l₀) per voxel, computed after one download. (tfjs softmax + slice on the wasm
 * backend took about 0.5 s for a 96³ volume, as long as the whole CRF-Net(fu).)
 */
export async function foregroundProbability(logits: tf.Tensor): Promise<Float32Array> {
  if (logits.shape.at(-1) !== 2) throw new ShapeError(`expected two-class logits [..., 2]; got [${logits.shape}]`);
  const values = (await logits.data()) as Float32Array;
  const probability = new Float32Array(values.length / 2);
  for (let i = 0; i < probability.length; i++) probability[i] = 1 / (1 + Math.exp(values[2 * i]! - values[2 * i + 1]!));
  return probability;
}

/** Options of {@link volumeNetwork}: `predictVolume`'s, without the output kind (always logits). */
export type VolumeNetworkOptions = Omit<PredictVolumeOptions, 'output' | 'patchSize'> & {
  /**
   * Core size of each window (see `predictVolume`); default the whole input. 3D models are
   * streamed along depth regardless, `patchSize[0]` slices at a time.
   */
  patchSize?: number[];
};

/** What {@link volumeNetwork} returns: a {@link SegmentationNetwork} whose `predict` is asynchronous. */
export interface VolumeNetwork extends SegmentationNetwork {
  /** `[1, ...spatial, C]` → logits `[1, ...spatial, classes]`, through `predictVolume`. */
  predict(x: tf.Tensor): Promise<tf.Tensor>;
}

/**
 * Runs a P-Net/R-Net through `predictVolume` from `@deepigeos/pnet` instead of one `predict`
 * call: exact sliding windows (receptive-field margins) or, for 3D models, depth streaming with
 * bounded memory, and in Node optionally split across worker threads (`workers: 2` uses both
 * cores of a 2-core machine for one refinement). Results equal `model.predict` up to float
 * rounding. Pass it as `pnet` or `rnet` of an {@link InteractiveSession}.
 *
 * @example
 * ```ts
 * const session = new InteractiveSession({ pnet, rnet: volumeNetwork(rnet, { workers: 2 }), roi });
 * ```
 */
export function volumeNetwork(model: LayersModel, options: VolumeNetworkOptions = {}): VolumeNetwork {
  return {
    async predict(x: tf.Tensor): Promise<tf.Tensor> {
      if (x.shape[0] !== 1) throw new ShapeError(`volumeNetwork: expected a batch of one, got input shape [${x.shape}]`);
      const volume = { data: (await x.data()) as Float32Array, shape: x.shape.slice(1) };
      const out = await predictVolume(model, volume, { ...options, patchSize: options.patchSize ?? x.shape.slice(1, -1), output: 'logits' });
      return tf.tensor(out.data, [1, ...out.shape], 'float32');
    },
  };
}

/**
 * Smallest training-patch side at which a 3D P-Net/R-Net runs on the whole input (depth-streamed,
 * see {@link volumeNetwork}) rather than window by window. P-Net's last block has dilation 16: on
 * smaller patches most of its taps read zero padding during training, and the same network run on
 * a whole volume sees tissue there instead and collapses (validation Dice 0.01 whole-volume vs
 * > 0.8 on 24³ windows, measured); from 48³ the taps of most voxels fall inside the patch.
 */
export const WHOLE_INPUT_MIN_PATCH = 48;

/**
 * The window side a 3D network trained on `patch`³ patches should run at: `patch` itself for
 * networks trained on small patches (window by window, half overlap, as they were trained), or
 * `undefined` — the whole input at once, depth-streamed — from {@link WHOLE_INPUT_MIN_PATCH} up
 * and when the training patch is unknown.
 */
export function inferenceWindow(patch: number | undefined): number | undefined {
  return patch !== undefined && patch < WHOLE_INPUT_MIN_PATCH ? patch : undefined;
}
