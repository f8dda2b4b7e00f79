import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { formatShape, ShapeError } from '../errors.js';
import { receptiveFieldMargin } from './receptive-field.js';
import { nodeOnly } from '../platform.js';
import { mainThreadPredictor } from './window-predictor.js';
import { type Box, blendWeights, copyWindow, patchGrid } from './windows.js';

/** A channels-last volume `[D, H, W, C]` (or image `[H, W, C]` for 2D models) as a flat array. */
export interface VolumeArray {
  data: Float32Array;
  shape: number[];
}

/** Options of {@link predictVolume}. */
export interface PredictVolumeOptions {
  /** Core size of each patch, `[D, H, W]` (2D models: `[H, W]`); clipped to the volume. */
  patchSize: number[];
  /** Fraction of the core shared by neighbouring patches, in [0, 1). Default 0. */
  overlap?: number;
  /**
   * Context added around each core, per axis (`[D, H, W]` / `[H, W]` or one number). Default: the
   * receptive-field radius ({@link receptiveFieldMargin}), which makes the result equal to a
   * whole-volume prediction. Smaller margins are faster; overlap blending then hides the seams.
   */
  margin?: number | number[];
  /** `'probabilities'` (softmax, default) or `'logits'`. */
  output?: 'probabilities' | 'logits';
  /** Called after each patch with (patches done, total patches). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Node only: number of worker threads, each running the model on its own backend (the active
   * one) on a share of the windows. Default 1 (the calling thread). Needs the built package
   * (`dist/`), as workers load `predict-worker.js`.
   */
  workers?: number;
}

/**
 * Sliding-window prediction of a volume that may not fit through the network at once: the volume
 * is cut into cores of `patchSize`; each core is predicted from a window extended by `margin`
 * (clamped to the volume, so edge behaviour equals whole-volume zero padding), cropped back to
 * the core, and overlapping cores are blended with linear ramps. Only one window is on the
 * backend at a time. Returns `[D, H, W, numClasses]` (2D: `[H, W, numClasses]`) float32.
 *
 * @example
 * ```ts
 * const probs = await predictVolume(model, { data, shape: [155, 240, 240, 1] }, { patchSize: [32, 240, 240] });
 * ```
 */
export async function predictVolume(
  model: tfl.LayersModel,
  volume: VolumeArray | tf.Tensor,
  options: PredictVolumeOptions,
): Promise<VolumeArray> {
  const fn = 'predictVolume';
  const modelShape = model.inputs[0]!.shape;
  const is2D = modelShape.length === 4;
  const channels = modelShape[modelShape.length - 1]!;
  const input = volume instanceof tf.Tensor ? { data: (await volume.data()) as Float32Array, shape: volume.shape } : volume;
  const expected = is2D ? ['H', 'W', channels] : ['D', 'H', 'W', channels];
  if (!(input.data instanceof Float32Array) || input.shape.length !== expected.length || input.shape.at(-1) !== channels) {
    throw new ShapeError(
      `${fn}: volume must be float32 of shape ${formatShape(expected)}, got ${formatShape(input.shape)}` +
        (input.data instanceof Float32Array ? '' : ' (not float32)'),
    );
  }
  const spatial = is2D ? [1, ...input.shape.slice(0, 2)] : input.shape.slice(0, 3);
  const voxels = spatial.reduce((a, b) => a * b);
  if (input.data.length !== voxels * channels) {
    throw new ShapeError(`${fn}: volume.data has ${input.data.length} values, shape ${formatShape(input.shape)} needs ${voxels * channels}`);
  }
  const patch = axes3(options.patchSize, is2D, 'patchSize', fn).map((p, i) => Math.min(p, spatial[i]!));
  const margin = options.margin === undefined ? receptiveFieldMargin(model) : axes3(options.margin, is2D, 'margin', fn);
  const overlap = options.overlap ?? 0;
  if (!(overlap >= 0 && overlap < 1)) throw new ShapeError(`${fn}: overlap must be in [0, 1), got ${overlap}`);

  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new ShapeError(`${fn}: workers must be a positive integer, got ${workers}`);
  const outputKind = options.output ?? 'probabilities';
  const predictor =
    workers > 1
      ? await nodeOnly('workerPredictor', `${fn}({ workers: ${workers} })`)(model, outputKind, workers, tf.getBackend()) : mainThreadPredictor(model, outputKind);

  const cores = patchGrid(spatial, patch, overlap);
  const classes = model.outputs[0]!.shape.at(-1)!;
  const sum = new Float32Array(voxels * classes);
  const weightSum = new Float32Array(voxels);
  let next = 0;
  let done = 0;
  // Each lane takes the next core until none is left; one lane per window allowed in flight.
  const lane = async () => {
    while (next < cores.length) {
      const core = cores[next++]!;
      const start = core.start.map((s, i) => Math.max(0, s - margin[i]!));
      const end = core.start.map((s, i) => Math.min(spatial[i]!, s + core.size[i]! + margin[i]!));
      const window: Box = { start, size: end.map((e, i) => e - start[i]!) };
      const shape = is2D ? [1, window.size[1]!, window.size[2]!, channels] : [1, ...window.size, channels];
      const values = await predictor.predict(copyWindow(input.data, spatial, channels, window), shape);
      accumulate(values, window, core, blendWeights(core, spatial, patch, overlap), spatial, classes, sum, weightSum);
      options.onProgress?.(++done, cores.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: predictor.concurrency }, lane));
  } finally {
    await predictor.close();
  }
  for (let v = 0; v < voxels; v++) {
    const w = weightSum[v]!;
    for (let c = 0; c < classes; c++) sum[v * classes + c]! /= w;
  }
  return { data: sum, shape: [...(is2D ? spatial.slice(1) : spatial), classes] };
}

/** Adds the core part of a window's prediction, weighted, into the output accumulators. */
function accumulate(
  values: Float32Array,
  window: Box,
  core: Box,
  weights: Float32Array,
  volume: number[],
  classes: number,
  sum: Float32Array,
  weightSum: Float32Array,
): void {
  const [cd, ch, cw] = core.size as [number, number, number];
  const [, wh, ww] = window.size as [number, number, number];
  const [, vh, vw] = volume as [number, number, number];
  const offset = core.start.map((s, i) => s - window.start[i]!) as [number, number, number];
  for (let z = 0; z < cd; z++) {
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const w = weights[(z * ch + y) * cw + x]!;
        const src = (((offset[0] + z) * wh + offset[1] + y) * ww + offset[2] + x) * classes;
        const v = ((core.start[0]! + z) * vh + core.start[1]! + y) * vw + core.start[2]! + x;
        weightSum[v]! += w;
        for (let c = 0; c < classes; c++) sum[v * classes + c]! += w * values[src + c]!;
      }
    }
  }
}

/** Expands a per-axis option to [D, H, W]; 2D models get D = 1 for sizes and 0 for margins. */
function axes3(value: number | number[], is2D: boolean, name: 'patchSize' | 'margin', fn: string): number[] {
  const rank = is2D ? 2 : 3;
  const values = typeof value === 'number' ? new Array<number>(rank).fill(value) : value;
  const min = name === 'margin' ? 0 : 1;
  if (!Array.isArray(values) || values.length !== rank || values.some((v) => !Number.isInteger(v) || v < min)) {
    throw new ShapeError(
      `${fn}: ${name} must be ${rank} integers ≥ ${min} (${is2D ? '[H, W]' : '[D, H, W]'}), got ${JSON.stringify(value)}`,
    );
  }
  return is2D ? [name === 'margin' ? 0 : 1, ...values] : [...values];
}
