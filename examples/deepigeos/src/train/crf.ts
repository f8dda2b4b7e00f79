/**
 * The CRF stages of training, in the paper's schedule: after the CNN (P-Net or R-Net) is trained,
 * (1) the Pairwise-Net of a CRF-Net(f) (after P-Net) or CRF-Net(fu) (after R-Net) is pre-trained
 * on voxel pairs ("same label or not", `@deepigeos/crf-rnn`'s `pretrainPairwiseNet`); (2) the
 * CRF alone is trained through its unrolled mean-field iterations on the frozen CNN's logits;
 * (3) CNN and CRF are fine-tuned jointly, end to end, at a lower learning rate. Validation Dice is
 * measured after each step and written to `<out>/crf/stages.json`; the CRF is saved in
 * `<out>/crf` and, when the joint step improved the pair, the fine-tuned CNN replaces `<out>/best`
 * (the CNN before it is kept in `<out>/cnn-only`).
 * @module
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crfNetF, crfNetFU, pretrainPairwiseNet } from '@deepigeos/crf-rnn';
import { lossFunction } from '@deepigeos/pnet';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LabelledImage } from '../data/augment.js';
import { cropArray } from '../data/preprocess.js';
import { createRng, type Rng } from '../rng.js';
import { saveModel } from './model-io.js';
import { pooledDice } from './samples.js';
import type { TrainConfig } from './schema.js';

/** A training or validation sample of a CRF stage: the CNN input, its label and (R-Net) the seeds. */
export interface CrfSample extends LabelledImage {
  /** Image channels the CRF sees (the first channels of the CNN input). */
  imageChannels: number;
  fgSeeds?: Uint8Array;
  bgSeeds?: Uint8Array;
}

/** What {@link trainCrfStage} needs from its trainer. */
export interface CrfStageOptions {
  kind: 'f' | 'fu';
  /** The trained CNN (its best weights loaded); fine-tuned in place by the joint step. */
  cnn: tfl.LayersModel;
  /** Draws a training batch (augmented, with simulated seeds for R-Net). */
  drawBatch: (rng: Rng) => Promise<CrfSample[]>;
  /** Fixed validation samples. */
  validation: CrfSample[];
  config: TrainConfig;
  out: string;
  log: (m: string) => void;
  /** Wall-clock budget of the whole stage in ms (Infinity: step counts only). */
  budgetMs: number;
}

/** Validation Dice after each CRF training step, and what was kept. */
export interface CrfStageReport {
  kind: 'f' | 'fu';
  cnn: number;
  pretrained: number;
  crfTrained: number;
  joint: number;
  /** Which CNN + CRF pair was saved. */
  kept: 'pretrained' | 'crfTrained' | 'joint';
  balancedAccuracy: number;
  steps: { crf: number; joint: number };
  seconds: number;
}

/**
 * Largest side of a 3D sample in the CRF stages. Training through the unrolled mean field keeps
 * every iteration's lattice tensors for the backward pass: a batch of two 48³ patches ran tfjs'
 * wasm heap out of bounds ("RuntimeError: memory access out of bounds", measured). The CRF's
 * terms are local, so 3D CRF stages train on centre crops of at most 32³ and validate on crops
 * of at most 64³; 2D samples are used whole.
 */
const CRF_TRAIN_SIDE_3D = 32;
const CRF_VALIDATION_SIDE_3D = 64;

/** The centre crop of a 3D sample to at most `side` voxels per axis (2D samples unchanged). */
export function crfCrop(s: CrfSample, side: number): CrfSample {
  const shape = s.image.shape;
  if (shape.length !== 3 || shape.every((d) => d <= side)) return s;
  const start = shape.map((d) => Math.max(0, Math.floor((d - side) / 2)));
  const box = { start, end: start.map((a, i) => Math.min(shape[i]!, a + side)) };
  const size = box.end.map((e, i) => e - box.start[i]!);
  return {
    image: { ...s.image, data: cropArray(s.image.data, shape, s.image.channels, box), shape: size },
    label: cropArray(s.label, shape, 1, box),
    imageChannels: s.imageChannels,
    ...(s.fgSeeds ? { fgSeeds: cropArray(s.fgSeeds, shape, 1, box) } : {}),
    ...(s.bgSeeds ? { bgSeeds: cropArray(s.bgSeeds, shape, 1, box) } : {}),
  };
}

/** The first `channels` of a channels-last array with `total` channels per voxel. */
function leadingChannels(data: Float32Array, total: number, channels: number): Float32Array {
  if (total === channels) return data;
  const n = data.length / total;
  const out = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = data[i * total + c]!;
  return out;
}

/** Tensors of a batch of equally shaped samples: CNN input, CRF image, seeds (fu) and labels. */
function crfTensors(samples: CrfSample[], kind: 'f' | 'fu'): { inputs: tf.Tensor[]; labels: tf.Tensor } {
  const s0 = samples[0]!;
  const n = s0.label.length;
  const spatial = s0.image.shape;
  const cat = (parts: ArrayLike<number>[], per: number) => {
    const a = new Float32Array(parts.length * n * per);
    for (const [k, p] of parts.entries()) a.set(p, k * n * per);
    return a;
  };
  const x = tf.tensor(cat(samples.map((s) => s.image.data), s0.image.channels), [samples.length, ...spatial, s0.image.channels]);
  const img = tf.tensor(
    cat(samples.map((s) => leadingChannels(s.image.data, s.image.channels, s.imageChannels)), s0.imageChannels),
    [samples.length, ...spatial, s0.imageChannels],
  );
  const inputs = [x, img];
  if (kind === 'fu') {
    const empty = new Uint8Array(n);
    inputs.push(tf.tensor(cat(samples.map((s) => s.fgSeeds ?? empty), 1), [samples.length, ...spatial, 1]));
    inputs.push(tf.tensor(cat(samples.map((s) => s.bgSeeds ?? empty), 1), [samples.length, ...spatial, 1]));
  }
  const y = new Int32Array(samples.length * n);
  for (const [k, s] of samples.entries()) y.set(s.label, k * n);
  return { inputs, labels: tf.tensor(y, [samples.length, ...spatial], 'int32') };
}

/** Global Dice over samples of the CNN alone or CNN + CRF (inference mode: the CRF's test-time iterations). */
async function validationDice(joint: tfl.LayersModel, cnn: tfl.LayersModel, samples: CrfSample[], kind: 'f' | 'fu', withCrf: boolean): Promise<number> {
  const preds: Uint8Array[] = [];
  for (const s of samples) {
    const { inputs, labels } = crfTensors([s], kind);
    const logits = tf.tidy(() => (withCrf ? (joint.predict(inputs) as tf.Tensor) : (cnn.predict(inputs[0]!) as tf.Tensor)));
    const fg = tf.tidy(() => tf.greater(tf.slice(logits, [...new Array(logits.rank - 1).fill(0), 1], [...new Array(logits.rank - 1).fill(-1), 1]), tf.slice(logits, new Array(logits.rank).fill(0), [...new Array(logits.rank - 1).fill(-1), 1])));
    preds.push(Uint8Array.from(await fg.data()));
    tf.dispose([...inputs, labels, logits, fg]);
  }
  return pooledDice(preds, samples);
}

/** Adam steps on `variables` of the joint model until `steps` or `deadline`; resolves to the steps done. */
async function fit(
  joint: tfl.LayersModel,
  variables: tf.Variable[],
  learningRate: number,
  options: CrfStageOptions,
  rng: Rng,
  steps: number,
  deadline: number,
): Promise<number> {
  const optimizer = tf.train.adam(learningRate);
  const loss = lossFunction(options.config.loss);
  let done = 0;
  try {
    while (done < steps && Date.now() < deadline) {
      const { inputs, labels } = crfTensors(await options.drawBatch(rng), options.kind);
      const value = optimizer.minimize(() => loss(labels, joint.apply(inputs, { training: true }) as tf.Tensor), true, variables);
      const v = (await value!.data())[0]!;
      tf.dispose([...inputs, labels, value!]);
      if (!Number.isFinite(v)) throw new Error(`CRF-Net(${options.kind}) training diverged (loss ${v})`);
      done++;
    }
  } finally {
    optimizer.dispose();
  }
  return done;
}

/**
 * Pre-trains, trains and jointly fine-tunes a CRF-Net of the given kind after its CNN (see the
 * module comment); saves the best validated pair and resolves to the per-step Dice report.
 */
export async function trainCrfStage(stageOptions: CrfStageOptions): Promise<CrfStageReport> {
  const options: CrfStageOptions = {
    ...stageOptions,
    drawBatch: async (rng) => (await stageOptions.drawBatch(rng)).map((s) => crfCrop(s, CRF_TRAIN_SIDE_3D)),
    validation: stageOptions.validation.map((s) => crfCrop(s, CRF_VALIDATION_SIDE_3D)),
  };
  const { kind, cnn, config, out, log } = options;
  const started = Date.now();
  const rng = createRng(config.seed + 2);
  const first = [...(await options.drawBatch(rng)), ...(await options.drawBatch(rng))];
  const s0 = first[0]!;
  const crf = kind === 'f' ? crfNetF({ spacing: s0.image.spacing, name: 'crf_net_f' }) : crfNetFU({ spacing: s0.image.spacing, name: 'crf_net_fu' });
  const spatial = s0.image.shape.map(() => null);
  // The saved CRF model: [logits, image(, fg, bg)] → refined logits (what inference loads).
  const crfInputs = [tfl.input({ shape: [...spatial, 2], name: 'logits' }), tfl.input({ shape: [...spatial, s0.imageChannels], name: 'image' })];
  if (kind === 'fu') crfInputs.push(tfl.input({ shape: [...spatial, 1], name: 'fg_seeds' }), tfl.input({ shape: [...spatial, 1], name: 'bg_seeds' }));
  const wrapper = tfl.model({ inputs: crfInputs, outputs: crf.apply(crfInputs) as tfl.SymbolicTensor, name: `crf_${kind}` });
  // The joint model: CNN input, CRF image(, seeds) → CNN → CRF.
  const jointInputs = [tfl.input({ shape: [...spatial, s0.image.channels], name: 'cnn_input' }), tfl.input({ shape: [...spatial, s0.imageChannels], name: 'crf_image' })];
  if (kind === 'fu') jointInputs.push(tfl.input({ shape: [...spatial, 1], name: 'fg' }), tfl.input({ shape: [...spatial, 1], name: 'bg' }));
  const logits = cnn.apply(jointInputs[0]!) as tfl.SymbolicTensor;
  const joint = tfl.model({ inputs: jointInputs, outputs: crf.apply([logits, ...jointInputs.slice(1)]) as tfl.SymbolicTensor, name: `joint_${kind}` });
  try {
    // 1. Pairwise-Net pre-training on voxel pairs.
    const { inputs, labels } = crfTensors(first, kind);
    const yl = tf.expandDims(labels, -1);
    const pre = pretrainPairwiseNet(crf, { images: inputs[1]!, labels: yl, steps: config.crfSteps, seed: config.seed });
    tf.dispose([...inputs, labels, yl]);
    const report: CrfStageReport = {
      kind,
      cnn: await validationDice(joint, cnn, options.validation, kind, false),
      pretrained: await validationDice(joint, cnn, options.validation, kind, true),
      crfTrained: Number.NaN,
      joint: Number.NaN,
      kept: 'pretrained',
      balancedAccuracy: pre.balancedAccuracy,
      steps: { crf: 0, joint: 0 },
      seconds: 0,
    };
    log(`CRF-Net(${kind}) step 1, Pairwise-Net pre-trained (balanced pair accuracy ${pre.balancedAccuracy.toFixed(3)}): validation Dice CNN ${report.cnn.toFixed(4)} → CNN+CRF ${report.pretrained.toFixed(4)}`);
    const cnnWeights = cnn.getWeights().map((w) => w.clone());
    let keptCrf = crf.getWeights().map((w) => w.clone());
    let best = report.pretrained;
    const left = () => options.budgetMs - (Date.now() - started);
    // 2. The CRF alone, through the unrolled mean field, on the frozen CNN's logits.
    const crfVars = crf.trainableWeights.map((w) => w.read() as tf.Variable);
    report.steps.crf = await fit(joint, crfVars, 1e-2, options, rng, config.crfJointSteps, Date.now() + Math.max(0, left() * 0.4));
    report.crfTrained = await validationDice(joint, cnn, options.validation, kind, true);
    log(`CRF-Net(${kind}) step 2, CRF trained through the mean field (${report.steps.crf} steps): validation Dice ${report.crfTrained.toFixed(4)}`);
    if (report.crfTrained > best) {
      best = report.crfTrained;
      report.kept = 'crfTrained';
      tf.dispose(keptCrf);
      keptCrf = crf.getWeights().map((w) => w.clone());
    }
    // 3. CNN and CRF jointly, end to end, at a tenth of the CNN's learning rate.
    const allVars = joint.trainableWeights.map((w) => w.read() as tf.Variable);
    report.steps.joint = await fit(joint, allVars, config.learningRate * 0.1, options, rng, config.crfJointSteps, Date.now() + Math.max(0, left() * 0.9));
    report.joint = await validationDice(joint, cnn, options.validation, kind, true);
    log(`CRF-Net(${kind}) step 3, CNN + CRF fine-tuned jointly (${report.steps.joint} steps): validation Dice ${report.joint.toFixed(4)}`);
    if (report.joint > best) {
      report.kept = 'joint';
      cpSync(join(out, 'best'), join(out, 'cnn-only'), { recursive: true });
      await saveModel(cnn, join(out, 'best'));
    } else {
      cnn.setWeights(cnnWeights);
      crf.setWeights(keptCrf);
    }
    tf.dispose([...cnnWeights, ...keptCrf]);
    await saveModel(wrapper, join(out, 'crf'));
    report.seconds = (Date.now() - started) / 1000;
    mkdirSync(join(out, 'crf'), { recursive: true });
    writeFileSync(join(out, 'crf', 'stages.json'), `${JSON.stringify(report, null, 2)}\n`);
    log(`CRF-Net(${kind}): kept the ${report.kept} pair (validation Dice ${Math.max(best, report.joint).toFixed(4)}) in ${report.seconds.toFixed(0)} s`);
    return report;
  } finally {
    // The joint model and the wrapper share their layers with the CNN and the CRF; only the
    // temporary weight copies above are freed (the trainer disposes the CNN).
  }
}
