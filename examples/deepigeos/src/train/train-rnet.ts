/**
 * `train-rnet`: R-Net on simulated interactions against a frozen P-Net (DeepIGeoS §3): each
 * training sample is P-Net's probability on an (augmented) sample, a simulated user's clicks on
 * its errors, the geodesic maps of those clicks, and the ground truth as target. Optionally the
 * Pairwise-Net of a CRF-Net(fu) is pre-trained on the training data and saved in `out/crf`.
 * @module
 */
import { backendLabel } from '../cli/backend-label.js';
import { initBackend } from '@deepigeos/pnet';
import { createRNet2D, createRNet3D, encodeInteractionsData, rnetTrainingSample } from '@deepigeos/rnet';
import * as tf from '@tensorflow/tfjs-core';
import type { LabelledImage } from '../data/augment.js';
import { ConfigError } from '../errors.js';
import { inferenceNetwork, type TrainedNet } from '../pipeline/networks.js';
import type { Predictor } from '../pipeline/tiled.js';
import { createRng, type Rng } from '../rng.js';
import { type LoopResult, runTraining } from './loop.js';
import { trainCrfStage } from './crf.js';
import { validationSamples } from './samples.js';
import { seedKernels } from './seeded-init.js';
import { warmStartFromPNet } from './warm-start.js';
import { resolvedSizes, type TrainConfig } from './schema.js';
import { batchTensors, predictForeground } from './tensors.js';
import {
  drawTrainingBatch,
  loopPassThrough,
  prepareData,
  sampleSpec,
  type TrainRunOptions,
  validateSegmentation,
} from './train-pnet.js';

/** P-Net foreground probabilities of a batch of equally shaped samples, in one forward pass. */
async function pnetProbabilities(pnet: Predictor, samples: LabelledImage[]): Promise<Float32Array[]> {
  const { x, y } = batchTensors(samples);
  y.dispose();
  const prob = tf.tidy(() => {
    const out = pnet.predict(x);
    const p = tf.softmax(Array.isArray(out) ? out[0]! : out);
    const rank = p.rank;
    return tf.slice(p, [...new Array(rank - 1).fill(0), 1], [...new Array(rank - 1).fill(-1), 1]);
  });
  x.dispose();
  const all = (await prob.data()) as Float32Array;
  prob.dispose();
  const n = samples[0]!.label.length;
  return samples.map((_, k) => all.slice(k * n, (k + 1) * n));
}

/** Turns samples into R-Net samples: [image, P-Net probability, G(fg), G(bg)] → ground truth. */
async function toRNetSamples(pnet: TrainedNet, samples: LabelledImage[], rng: Rng, config: TrainConfig): Promise<LabelledImage[]> {
  const probs = await pnetProbabilities(pnet.network, samples);
  const out: LabelledImage[] = [];
  for (let k = 0; k < samples.length; k++) {
    const s = samples[k]!;
    const common = {
      image: s.image.data,
      shape: s.image.shape as [number, number],
      spacing: s.image.spacing,
      channels: s.image.channels,
      probability: probs[k]!,
      geodesic: { lambda: config.lambda ?? 1 },
    };
    const noSeeds = (config.noSeedProbability ?? 0) > 0 && rng.next() < config.noSeedProbability!;
    // A round where the user adds nothing: R-Net sees [image, probability, empty, empty].
    const empty = () => new Uint8Array(s.label.length);
    const r = noSeeds
      ? { input: await encodeInteractionsData({ ...common, fgSeeds: empty(), bgSeeds: empty() }), label: s.label }
      : await rnetTrainingSample({ ...common, groundTruth: s.label, rng, mode: config.interactionMode ?? 'clicks' });
    out.push({ image: { ...s.image, data: r.input, channels: s.image.channels + 3 }, label: r.label });
  }
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
  seedKernels(model, createRng(config.seed + 3));
  if (config.initFromPNet) warmStartFromPNet(model, pnet.model);
  log(`R-Net ${config.dim}D: ${model.countParams()} parameters, backend ${backendLabel(backend)}${config.initFromPNet ? ', initialised from the P-Net' : ''}`);
  // Validation inputs depend only on the frozen P-Net and a fixed RNG: encode them once.
  const valRng = createRng(config.seed + 1);
  const valRaw = validationSamples(validation, spec, valRng, config.validationSamples);
  const valSamples: LabelledImage[] = [];
  for (const s of valRaw) valSamples.push(...(await toRNetSamples(pnet, [s], valRng, config)));
  try {
    const result = await runTraining({
      model,
      config,
      ...loopPassThrough(options),
      task: {
        drawBatch: async (rng) => toRNetSamples(pnet, await drawTrainingBatch(train, spec, config.batch, rng), rng, config),
        validate: (m) => validateSegmentation(valSamples, (s) => predictForeground(inferenceNetwork(m, config), s.image)),
      },
    });
    if (config.crf && !result.interrupted) await trainCrfStage('fu', train, config, options.out, log);
    return result;
  } finally {
    model.dispose();
  }
}
