/**
 * The CRF stage of training: after the CNN is trained (the paper's schedule: CNN first, then CRF),
 * the Pairwise-Net of a CRF-Net(f) (after P-Net) or CRF-Net(fu) (after R-Net) is pre-trained on
 * voxel pairs of un-augmented training samples ("same label or not", `@deepigeos/crf-rnn`'s
 * `pretrainPairwiseNet`) and saved as a small tfjs model in `<out>/crf`. Joint fine-tuning of CNN
 * and CRF is not done here.
 * @module
 */
import { join } from 'node:path';
import { crfNetF, crfNetFU, pretrainPairwiseNet } from '@deepigeos/crf-rnn';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng } from '../rng.js';
import type { CaseCache } from './cases.js';
import { saveModel } from './model-io.js';
import { drawSample } from './samples.js';
import type { TrainConfig } from './schema.js';
import { batchTensors } from './tensors.js';
import { resolvedSizes } from './schema.js';

/** Pre-trains and saves a CRF-Net of the given kind; resolves to its balanced pair accuracy. */
export async function trainCrfStage(kind: 'f' | 'fu', train: CaseCache, config: TrainConfig, out: string, log: (m: string) => void): Promise<number> {
  const rng = createRng(config.seed + 2);
  const spec = { dim: config.dim, patch: resolvedSizes(config).patch, sliceAxis: config.sliceAxis, foregroundProbability: 0.8 };
  const samples = [];
  for (let b = 0; b < 8; b++) samples.push(drawSample(await train.get(rng.int(train.size)), spec, rng));
  const s0 = samples[0]!.image;
  const crf = kind === 'f' ? crfNetF({ spacing: s0.spacing, name: 'crf_net_f' }) : crfNetFU({ spacing: s0.spacing, name: 'crf_net_fu' });
  const spatial = s0.shape.map(() => null);
  const inputs = [tfl.input({ shape: [...spatial, 2], name: 'logits' }), tfl.input({ shape: [...spatial, s0.channels], name: 'image' })];
  if (kind === 'fu') inputs.push(tfl.input({ shape: [...spatial, 1], name: 'fg_seeds' }), tfl.input({ shape: [...spatial, 1], name: 'bg_seeds' }));
  const wrapper = tfl.model({ inputs, outputs: crf.apply(inputs) as tfl.SymbolicTensor, name: `crf_${kind}` });
  const { x, y } = batchTensors(samples);
  try {
    const labels = tf.expandDims(y, -1);
    const r = pretrainPairwiseNet(crf, { images: x, labels, steps: config.crfSteps, seed: config.seed });
    labels.dispose();
    await saveModel(wrapper, join(out, 'crf'));
    log(`CRF-Net(${kind}): Pairwise-Net pre-trained, balanced accuracy ${r.balancedAccuracy.toFixed(3)} on sampled voxel pairs`);
    return r.balancedAccuracy;
  } finally {
    tf.dispose([x, y]);
    wrapper.dispose();
  }
}
