/**
 * `train-pnet`: P-Net (2D or 3D) on a dataset, through the shared training loop.
 * @module
 */
import { join } from 'node:path';
import { backendLabel } from '../cli/backend-label.js';
import { createPNet2D, createPNet3D, initBackend } from '@deepigeos/pnet';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LabelledImage } from '../data/augment.js';
import { splitCases } from '../data/datasets.js';
import type { LoadedCase } from '../data/load.js';
import { ConfigError } from '../errors.js';
import type { OverlayImage } from '../report/overlay.js';
import { inferenceNetwork } from '../pipeline/networks.js';
import { createRng, type Rng } from '../rng.js';
import { CaseCache, datasetCases } from './cases.js';
import { type CrfSample, trainCrfStage } from './crf.js';
import { loadModel } from './model-io.js';
import { type LoopResult, runTraining } from './loop.js';
import { drawSample, pooledDice, type SampleSpec, validationSamples } from './samples.js';
import { seedKernels } from './seeded-init.js';
import { resolvedSizes, type TrainConfig } from './schema.js';
import { predictForeground, threshold } from './tensors.js';

/** Options of {@link trainPNet} besides the config. */
export interface TrainRunOptions {
  out: string;
  resume: boolean;
  signal?: AbortSignal;
  stream?: NodeJS.WriteStream;
  onStep?: (step: number) => void;
  /** Informational messages (default: stderr). */
  log?: (message: string) => void;
}

/** The loop options both trainers hand through unchanged from the command line. */
export function loopPassThrough(options: TrainRunOptions) {
  return {
    out: options.out,
    resume: options.resume,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.stream ? { stream: options.stream } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  };
}

/** Draws `batchSize` augmented samples, each from a random training case. */
export async function drawTrainingBatch(train: CaseCache, spec: SampleSpec, batchSize: number, rng: Rng): Promise<LabelledImage[]> {
  const batch: LabelledImage[] = [];
  for (let b = 0; b < batchSize; b++) batch.push(drawSample(await train.get(rng.int(train.size)), spec, rng));
  return batch;
}

/** Sampling spec of a config. */
export function sampleSpec(config: TrainConfig): SampleSpec {
  const { enabled, ...augment } = config.augment;
  return {
    dim: config.dim,
    patch: resolvedSizes(config).patch,
    sliceAxis: config.sliceAxis,
    foregroundProbability: config.foregroundProbability,
    ...(enabled ? { augment } : {}),
  };
}

/** Loads and splits the dataset: train/validation caches (all cases loaded once, errors first). */
export async function prepareData(config: TrainConfig, log: (m: string) => void): Promise<{ train: CaseCache; validation: LoadedCase[] }> {
  const refs = datasetCases(config.data);
  const split = splitCases(refs, createRng(config.seed ^ 0x5eed), config.data.validationFraction, config.data.validationCases ?? undefined);
  if (split.train.length === 0) throw new ConfigError(`no training cases left after the validation split (${refs.length} cases)`);
  log(`dataset: ${refs.length} cases (${split.train.length} train, ${split.validation.length} validation)`);
  const train = new CaseCache(split.train, config.preprocess, config.cacheCases);
  await train.preload();
  const valCache = new CaseCache(split.validation, config.preprocess, split.validation.length || 1);
  await valCache.preload();
  const validation: LoadedCase[] = [];
  for (let i = 0; i < split.validation.length; i++) validation.push(await valCache.get(i));
  // Without held-out cases, validate on training cases (reported as such).
  if (validation.length === 0) {
    log('warning: no validation cases; validation Dice is measured on training cases');
    for (let i = 0; i < Math.min(train.size, 4); i++) validation.push(await train.get(i));
  }
  const channels = new Set([...validation.map((c) => c.image.channels), (await train.get(0)).image.channels]);
  if (channels.size !== 1) throw new ConfigError(`cases have different channel counts: ${[...channels].join(', ')}`);
  return { train, validation };
}

/** Middle slice (3D) or the image itself (2D) as a report overlay. */
export function overlayOf(caption: string, image: { data: Float32Array; shape: number[]; channels: number }, pred: Uint8Array, truth: Uint8Array): OverlayImage {
  const [h, w] = image.shape.slice(-2) as [number, number];
  const depth = image.shape.length === 3 ? image.shape[0]! : 1;
  let z = Math.floor(depth / 2);
  // Show the slice with most ground truth, where the overlay is informative.
  let best = -1;
  for (let d = 0; d < depth; d++) {
    let s = 0;
    for (let i = 0; i < h * w; i++) s += truth[d * h * w + i]!;
    if (s > best) [best, z] = [s, d];
  }
  const grey = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) grey[i] = image.data[(z * h * w + i) * image.channels]!;
  return { caption, width: w, height: h, image: grey, prediction: pred.subarray(z * h * w, (z + 1) * h * w), groundTruth: truth.subarray(z * h * w, (z + 1) * h * w) };
}

/** Validation Dice over a fixed sample set (global Dice over all samples' voxels). */
export async function validateSegmentation(
  samples: LabelledImage[],
  predict: (s: LabelledImage) => Promise<Float32Array>,
): Promise<{ dice: number; overlays: OverlayImage[] }> {
  const preds: Uint8Array[] = [];
  for (const s of samples) preds.push(threshold(await predict(s)));
  const overlays = samples.slice(0, 4).map((s, k) => overlayOf(`validation sample ${k + 1}`, s.image, preds[k]!, s.label));
  return { dice: pooledDice(preds, samples), overlays };
}

/** Share of `maxMinutes` given to the CRF stages of `--crf` (the CNN gets the rest). */
export const CRF_BUDGET_SHARE = 0.25;

/** Wall-clock budget of the CRF stages (Infinity without `maxMinutes`). */
export function crfBudgetMs(config: TrainConfig): number {
  return config.maxMinutes === null ? Number.POSITIVE_INFINITY : config.maxMinutes * 60_000 * CRF_BUDGET_SHARE;
}

/** Loads `<out>/best` into `model` (the CRF stages start from the best validated CNN). */
export async function loadBestWeights(model: tfl.LayersModel, out: string): Promise<void> {
  const best = await loadModel(join(out, 'best'));
  model.setWeights(best.getWeights());
  best.dispose();
}

/** Creates a P-Net for a config and channel count. */
export function createPNet(config: TrainConfig, inputChannels: number): tfl.LayersModel {
  const { channels } = resolvedSizes(config);
  const opts = { inputChannels, numClasses: 2, channels, dropout: config.dropout };
  return config.dim === 2 ? createPNet2D(opts) : createPNet3D(opts);
}

/** Trains P-Net as configured; see {@link runTraining} for the outputs. */
export async function trainPNet(config: TrainConfig, options: TrainRunOptions): Promise<LoopResult> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const backend = await initBackend(config.backend === 'auto' ? undefined : config.backend);
  const { train, validation } = await prepareData(config, log);
  const spec = sampleSpec(config);
  const valSamples = validationSamples(validation, spec, createRng(config.seed + 1), config.validationSamples);
  const first = await train.get(0);
  const model = createPNet(config, first.image.channels);
  seedKernels(model, createRng(config.seed + 3), config.kernelInit);
  log(`P-Net ${config.dim}D: ${model.countParams()} parameters, backend ${backendLabel(backend)}`);
  try {
    const result = await runTraining({
      model,
      config,
      ...loopPassThrough(options),
      budgetShare: config.crf ? 1 - CRF_BUDGET_SHARE : 1,
      task: {
        drawBatch: (rng) => drawTrainingBatch(train, spec, config.batch, rng),
        validate: (m) => validateSegmentation(valSamples, (s) => predictForeground(inferenceNetwork(m, config), s.image)),
      },
    });
    if (config.crf && !result.interrupted) {
      await loadBestWeights(model, options.out);
      const channels = first.image.channels;
      const asCrf = (s: LabelledImage): CrfSample => ({ ...s, imageChannels: channels });
      await trainCrfStage({
        kind: 'f',
        cnn: model,
        drawBatch: async (rng) => (await drawTrainingBatch(train, spec, config.batch, rng)).map(asCrf),
        validation: valSamples.map(asCrf),
        config,
        out: options.out,
        log,
        budgetMs: crfBudgetMs(config),
      });
    }
    return result;
  } finally {
    model.dispose();
  }
}
