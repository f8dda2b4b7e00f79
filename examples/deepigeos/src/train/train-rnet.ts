/**
 * `train-rnet`: R-Net on simulated interactions against a frozen P-Net (DeepIGeoS §3): each
 * training sample is the current probability on an (augmented) sample — P-Net's in round 1, the
 * R-Net's own latest output in later rounds — with every simulated click so far as geodesic
 * maps, and the ground truth as target. With `crf`, a CRF-Net(fu) is then trained after it
 * (pre-training, CRF-only, joint; see `crf.ts`) and saved in `out/crf`.
 * @module
 */
import { backendLabel } from '../cli/backend-label.js';
import { initBackend } from '@deepigeos/pnet';
import { createRNet2D, createRNet3D, encodeInteractionsData, type SegmentationNetwork, simulateInteractions } from '@deepigeos/rnet';
import type { LabelledImage } from '../data/augment.js';
import { ConfigError } from '../errors.js';
import { inferenceNetwork, type TrainedNet } from '../pipeline/networks.js';
import { simulateUser } from '../pipeline/simulated-user.js';
import { createRng, type Rng } from '../rng.js';
import { type LoopResult, runTraining } from './loop.js';
import { type CrfSample, trainCrfStage } from './crf.js';
import { DEFAULT_PERTURB_SIGMA, perturbProbability } from './perturb.js';
import { validationSamples } from './samples.js';
import { seedKernels } from './seeded-init.js';
import { warmStartFromPNet } from './warm-start.js';
import { resolvedSizes, type TrainConfig } from './schema.js';
import { batchForeground, batchTensors, predictForeground } from './tensors.js';
import {
  CRF_BUDGET_SHARE,
  crfBudgetMs,
  drawTrainingBatch,
  loadBestWeights,
  loopPassThrough,
  prepareData,
  sampleSpec,
  type TrainRunOptions,
  validateSegmentation,
} from './train-pnet.js';

/** P-Net foreground probabilities of a batch of equally shaped samples, in one forward pass. */
async function pnetProbabilities(pnet: SegmentationNetwork, samples: LabelledImage[]): Promise<Float32Array[]> {
  const { x, y } = batchTensors(samples);
  y.dispose();
  try {
    return await batchForeground(pnet, x);
  } finally {
    x.dispose();
  }
}

/** One simulated round of clicks on `probability`: the paper's rule, optionally with a fallback click (see `simulateUser`). */
function simulatedClicks(probability: Float32Array, s: LabelledImage, rng: Rng, config: Pick<TrainConfig, 'interactionMode' | 'fallbackClickProbability'>): { fgSeeds: Uint8Array; bgSeeds: Uint8Array } {
  const shape = s.image.shape as [number, number];
  if (config.interactionMode === 'scribbles') {
    return simulateInteractions({ prediction: probability, groundTruth: s.label, shape, rng, mode: 'scribbles' });
  }
  // Some rounds also click the largest remaining error when the paper's rule places no click,
  // as the one-click-at-a-time protocol (and `evaluate --min-clicks 1`) does.
  const minClicks = rng.next() < (config.fallbackClickProbability ?? 1) ? 1 : 0;
  return simulateUser({ prediction: probability, groundTruth: s.label, shape, spacing: s.image.spacing, rng, minClicks });
}

/**
 * Turns samples into R-Net samples: [image, current probability, G(fg), G(bg)] → ground truth.
 * Round 1 refines P-Net's probability (in `perturbInput` of the samples, perturbed: see
 * `perturbProbability`). With `rnet` (the R-Net being trained), a sample may go
 * through up to `trainingRounds` rounds as at inference: R-Net refines its input, the seeds are
 * imposed on its output, the user clicks on the remaining errors, and the next input holds
 * R-Net's own latest probability and every seed so far.
 */
export async function rnetTrainingBatch(
  pnet: SegmentationNetwork,
  samples: LabelledImage[],
  rng: Rng,
  config: Pick<TrainConfig, 'trainingRounds' | 'fallbackClickProbability' | 'noSeedProbability' | 'perturbInput' | 'perturbSigma' | 'lambda' | 'interactionMode'>,
  rnet?: SegmentationNetwork,
): Promise<CrfSample[]> {
  const probs = await pnetProbabilities(pnet, samples);
  const perturb = config.perturbInput ?? 0;
  // Drawn only when enabled, so runs without it keep their random sequence.
  // (With noSeedProbability, a perturbed sample may get no clicks: R-Net then learns to fix it unaided.)
  samples.forEach((s, k) => {
    if (perturb > 0 && rng.next() < perturb) probs[k] = perturbProbability(probs[k]!, s.image.shape, rng, config.perturbSigma ?? DEFAULT_PERTURB_SIGMA);
  });
  const maxRounds = rnet ? Math.max(1, config.trainingRounds ?? 1) : 1;
  const rounds = samples.map(() => 1 + rng.int(maxRounds));
  const fg = samples.map((s) => new Uint8Array(s.label.length));
  const bg = samples.map((s) => new Uint8Array(s.label.length));
  const inputs: Float32Array[] = new Array(samples.length);
  for (let r = 1; r <= Math.max(...rounds); r++) {
    const active = samples.map((_, k) => k).filter((k) => rounds[k]! >= r);
    for (const k of active) {
      const s = samples[k]!;
      // A round where the user adds nothing: R-Net sees [image, probability, empty, empty].
      const noSeeds = r === 1 && (config.noSeedProbability ?? 0) > 0 && rng.next() < config.noSeedProbability!;
      if (!noSeeds) {
        const clicks = simulatedClicks(probs[k]!, s, rng, config);
        for (let i = 0; i < s.label.length; i++) {
          if (clicks.fgSeeds[i]) fg[k]![i] = 1;
          if (clicks.bgSeeds[i]) bg[k]![i] = 1;
        }
      }
      inputs[k] = await encodeInteractionsData({
        image: s.image.data,
        shape: s.image.shape as [number, number],
        spacing: s.image.spacing,
        channels: s.image.channels,
        probability: probs[k]!,
        fgSeeds: fg[k]!,
        bgSeeds: bg[k]!,
        geodesic: { lambda: config.lambda ?? 1 },
      });
    }
    const next = active.filter((k) => rounds[k]! > r);
    if (!next.length || !rnet) continue;
    const refined = await pnetProbabilities(
      rnet,
      next.map((k) => ({ image: { ...samples[k]!.image, data: inputs[k]!, channels: samples[k]!.image.channels + 3 }, label: samples[k]!.label })),
    );
    next.forEach((k, j) => {
      const p = refined[j]!;
      // The session's result honours every seed exactly; so does the next round's input.
      for (let i = 0; i < p.length; i++) if (fg[k]![i]) p[i] = 1;
      else if (bg[k]![i]) p[i] = 0;
      probs[k] = p;
    });
  }
  return samples.map((s, k) => ({
    image: { ...s.image, data: inputs[k]!, channels: s.image.channels + 3 },
    label: s.label,
    imageChannels: s.image.channels,
    fgSeeds: fg[k]!,
    bgSeeds: bg[k]!,
  }));
}

/**
 * The fixed validation inputs: one first round per sample on P-Net's own output. Never perturbed
 * (`perturbInput` is for training), so validation scores the refinement a user will see.
 */
export async function rnetValidationSamples(
  pnet: SegmentationNetwork,
  samples: LabelledImage[],
  rng: Rng,
  config: Parameters<typeof rnetTrainingBatch>[3],
): Promise<CrfSample[]> {
  const out: CrfSample[] = [];
  for (const s of samples) out.push(...(await rnetTrainingBatch(pnet, [s], rng, { ...config, perturbInput: 0 })));
  return out;
}

/** Trains R-Net against a frozen P-Net; see `runTraining` for the outputs (+ `out/crf`). */
export async function trainRNet(config: TrainConfig, pnet: TrainedNet, options: TrainRunOptions): Promise<LoopResult> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  if (pnet.config.dim !== config.dim) throw new ConfigError(`train-rnet --dim ${config.dim} differs from the P-Net's dim ${pnet.config.dim}`);
  const backend = await initBackend(config.backend === 'auto' ? undefined : config.backend);
  const { train, validation } = await prepareData(config, log);
  const spec = sampleSpec(config);
  const imageChannels = (await train.get(0)).image.channels;
  const { channels } = resolvedSizes(config);
  const model = config.dim === 2
    ? createRNet2D({ imageChannels, channels, dropout: config.dropout })
    : createRNet3D({ imageChannels, channels, dropout: config.dropout });
  seedKernels(model, createRng(config.seed + 3), config.kernelInit);
  let warm = false;
  if (config.initFromPNet !== false && !options.resume) {
    try {
      warmStartFromPNet(model, pnet.model);
      warm = true;
    } catch (e) {
      // By default a P-Net of another width or depth cannot seed this R-Net: train from random kernels.
      if (!(e instanceof ConfigError) || config.initFromPNet === true) throw e;
      log(`note: not initialised from the P-Net (${e.message.replace(/; use the P-Net's channels and dim$/, '')}); R-Net starts from random kernels`);
    }
  }
  log(`R-Net ${config.dim}D: ${model.countParams()} parameters, backend ${backendLabel(backend)}${warm ? ', initialised from the P-Net' : ''}`);
  // Validation inputs depend only on the frozen P-Net and a fixed RNG: encode them once.
  const valRng = createRng(config.seed + 1);
  const valSamples = await rnetValidationSamples(pnet.network, validationSamples(validation, spec, valRng, config.validationSamples), valRng, config);
  try {
    const result = await runTraining({
      model,
      config,
      ...loopPassThrough(options),
      budgetShare: config.crf ? 1 - CRF_BUDGET_SHARE : 1,
      task: {
        drawBatch: async (rng) => rnetTrainingBatch(pnet.network, await drawTrainingBatch(train, spec, config.batch, rng), rng, config, model),
        validate: (m) => validateSegmentation(valSamples, (s) => predictForeground(inferenceNetwork(m, config), s.image)),
      },
    });
    if (config.crf && !result.interrupted) {
      await loadBestWeights(model, options.out);
      await trainCrfStage({
        kind: 'fu',
        cnn: model,
        drawBatch: async (rng) => rnetTrainingBatch(pnet.network, await drawTrainingBatch(train, spec, config.batch, rng), rng, config, model),
        validation: valSamples,
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
