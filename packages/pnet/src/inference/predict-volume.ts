import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { formatShape, ShapeError } from '../errors.js';
import { receptiveFieldMargin } from './receptive-field.js';
import { nodeOnly, platform } from '../platform.js';
import { depthStreamPlan, streamSlabRows, streamSteps } from './depth-stream.js';
import { mainThreadPredictor, type WindowJob } from './window-predictor.js';
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
  /**
   * Called with (0, total steps) before the first step, so a progress bar can show the work at
   * once (the first streamed slab waits for its receptive-field halo), then as work finishes with
   * (steps done, total steps): one step per window, or per output slab when the depth is streamed.
   */
  onProgress?: (done: number, total: number) => void;
  /**
   * Node only: number of worker threads, each running the model on its own backend (the active
   * one, single-threaded) on a share of the work; a streamed 3D volume is split into this many
   * depth ranges (e.g. `workers: 2` predicts a 96³ ROI as two exact halves in parallel). Default 1
   * (the calling thread). The model travels to the workers as tfjs layers artifacts (topology +
   * weights, via `tf.io.withSaveHandler`). Needs the built package (`dist/`), as workers load
   * `predict-worker.js`.
   */
  workers?: number;
}

/**
 * Sliding-window prediction of a volume that may not fit through the network at once: the volume
 * is cut into cores of `patchSize`; each core is predicted from a window extended by `margin`
 * (clamped to the volume, so edge behaviour equals whole-volume zero padding), cropped back to
 * the core, and overlapping cores are blended with linear ramps. Returns `[D, H, W, numClasses]`
 * (2D: `[H, W, numClasses]`) float32.
 *
 * 3D models built from this package's layers with the default (exact) margin are **streamed
 * along depth** instead of windowed in depth: each in-plane window spans the whole depth and
 * is pushed through the network `patchSize[0]` slices at a time (at most 32 MB per layer slab),
 * every layer keeping only the slices its successors still need (their depth halo). No slice of
 * any layer is computed twice and memory no longer grows with the depth. With
 * `workers: k`, the depth is split into k parts run in parallel, each with its own halo.
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
  const overlap = options.overlap ?? 0;
  if (!(overlap >= 0 && overlap < 1)) throw new ShapeError(`${fn}: overlap must be in [0, 1), got ${overlap}`);
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new ShapeError(`${fn}: workers must be a positive integer, got ${workers}`);
  const plan = is2D || options.margin !== undefined ? undefined : depthStreamPlan(model);
  const margin = options.margin === undefined ? receptiveFieldMargin(model) : axes3(options.margin, is2D, 'margin', fn);
  const outputKind = options.output ?? 'probabilities';
  const predictor =
    workers > 1
      ? await nodeOnly('workerPredictor', `${fn}({ workers: ${workers} })`)(model, outputKind, workers, tf.getBackend())
      : mainThreadPredictor(model, plan, outputKind);

  const slab = plan === undefined ? 0 : streamSlabRows(plan, [spatial[1]!, spatial[2]!], patch[0]!);
  const jobs = plan === undefined ? windowJobs(spatial, patch, overlap, margin) : streamJobs(spatial, patch, overlap, margin, plan.margin, workers, slab);
  const classes = model.outputs[0]!.shape.at(-1)!;
  const sum = new Float32Array(voxels * classes);
  const weightSum = new Float32Array(voxels);
  const total = jobs.reduce((n, j) => n + j.steps, 0);
  let next = 0;
  let done = 0;
  const step = () => options.onProgress?.(++done, total);
  options.onProgress?.(0, total);
  // Each lane takes the next job until none is left; one lane per job allowed in flight.
  const lane = async () => {
    while (next < jobs.length) {
      const { window, core, rows } = jobs[next++]!;
      const data = copyWindow(input.data, spatial, channels, window);
      const job: WindowJob =
        rows === undefined
          ? { data, shape: is2D ? [1, window.size[1]!, window.size[2]!, channels] : [1, ...window.size, channels] }
          : { data, shape: [...window.size, channels], stream: { rowOffset: window.start[0]!, depth: spatial[0]!, range: rows, slab } };
      const values = await predictor.predict(job, step);
      // A streamed job answers only its own rows: the window seen from the output is those rows.
      const answered = rows === undefined ? window : { start: [rows[0], ...window.start.slice(1)], size: [rows[1] - rows[0], ...window.size.slice(1)] };
      accumulate(values, answered, core, coreWeights(core, spatial, patch, overlap, rows !== undefined), spatial, classes, sum, weightSum);
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

/** One unit of work: the input window, the core it answers and, when streamed, its output rows. */
interface Job {
  window: Box;
  core: Box;
  rows?: [number, number];
  /** Progress steps it reports. */
  steps: number;
}

/** Windowed prediction: each core of the patch grid grown by the margin, clamped to the volume. */
function windowJobs(spatial: number[], patch: number[], overlap: number, margin: number[]): Job[] {
  return patchGrid(spatial, patch, overlap).map((core) => {
    const start = core.start.map((s, i) => Math.max(0, s - margin[i]!));
    const end = core.start.map((s, i) => Math.min(spatial[i]!, s + core.size[i]! + margin[i]!));
    return { window: { start, size: end.map((e, i) => e - start[i]!) }, core, steps: 1 };
  });
}

/**
 * Depth-streamed prediction: in-plane windows over the whole depth, the depth split into `parts`
 * row ranges, each job given its rows plus the depth margin of input.
 */
function streamJobs(
  spatial: number[],
  patch: number[],
  overlap: number,
  margin: number[],
  depthMargin: number,
  parts: number,
  slab: number,
): Job[] {
  const depth = spatial[0]!;
  const planeCores = patchGrid([1, spatial[1]!, spatial[2]!], [1, patch[1]!, patch[2]!], overlap);
  const count = Math.min(parts, depth);
  const jobs: Job[] = [];
  for (let k = 0; k < count; k++) {
    const a = Math.round((k * depth) / count);
    const b = Math.round(((k + 1) * depth) / count);
    const r0 = Math.max(0, a - depthMargin);
    const r1 = Math.min(depth, b + depthMargin);
    for (const plane of planeCores) {
      const start = [r0, ...plane.start.slice(1).map((s, i) => Math.max(0, s - margin[i + 1]!))];
      const end = [r1, ...plane.start.slice(1).map((s, i) => Math.min(spatial[i + 1]!, s + plane.size[i + 1]! + margin[i + 1]!))];
      const core = { start: [a, ...plane.start.slice(1)], size: [b - a, ...plane.size.slice(1)] };
      jobs.push({ window: { start, size: end.map((e, i) => e - start[i]!) }, core, rows: [a, b], steps: streamSteps(b - a, slab) });
    }
  }
  return jobs;
}

/** Blending weights of a core; streamed cores blend in-plane only (their depth rows are exact and disjoint). */
function coreWeights(core: Box, spatial: number[], patch: number[], overlap: number, streamed: boolean): Float32Array {
  if (!streamed) return blendWeights(core, spatial, patch, overlap);
  const plane = blendWeights({ start: [0, ...core.start.slice(1)], size: [1, ...core.size.slice(1)] }, spatial, [1, ...patch.slice(1)], overlap);
  const out = new Float32Array(core.size[0]! * plane.length);
  for (let z = 0; z < core.size[0]!; z++) out.set(plane, z * plane.length);
  return out;
}

/**
 * Terminates the worker threads of `predictVolume({ workers })`. They are kept between calls
 * (starting a thread and its backend costs about a second) but idle and unref'd, so they never
 * keep the process alive; call this to free their memory sooner. No-op in browsers.
 */
export async function closePredictWorkers(): Promise<void> {
  await platform.closeWorkers?.();
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
