// The README's training schedule (CNN first, then the CRF with the CNN frozen, then jointly), run
// at toy size with P-Net from @deepigeos/pnet: it must execute and freeze the right weights.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createPNet2D, initBackend, trainStep } from '@deepigeos/pnet';
import { beforeAll, describe, expect, it } from 'vitest';
import { crfNetF, pretrainPairwiseNet } from '../src/index.js';

beforeAll(async () => {
  expect(await initBackend('wasm')).toBe('wasm');
});

const snapshot = (weights: tfl.LayerVariable[]) => weights.map((w) => Array.from(w.read().dataSync()));
const changed = (a: number[][], b: number[][]) => a.some((x, i) => x.some((v, j) => v !== b[i]![j]));

describe('training schedule from the README', () => {
  it('stage 1 trains P-Net, stage 2 only the CRF, stage 3 both', async () => {
    const image = tf.randomUniform([2, 24, 24, 1]);
    const label = tf.squeeze(tf.cast(tf.greater(image, 0.5), 'int32'), [3]);
    const pnet = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 4 });
    await trainStep(pnet, tf.train.adam(1e-3), [image, label]);

    const input = tfl.input({ shape: [null, null, 1] });
    const crf = crfNetF({ hiddenUnits: [8] });
    const refined = crf.apply([pnet.apply(input) as tfl.SymbolicTensor, input]) as tfl.SymbolicTensor;
    const joint = tfl.model({ inputs: input, outputs: refined });
    crf.apply([pnet.predict(image) as tf.Tensor, image]);
    pretrainPairwiseNet(crf, { images: image, labels: tf.expandDims(label, -1), steps: 5, pairsPerStep: 256 });

    pnet.trainable = false;
    const pnetBefore = snapshot(pnet.weights);
    const crfBefore = snapshot(crf.weights);
    await trainStep(joint, tf.train.adam(1e-2), [image, label]);
    expect(changed(snapshot(pnet.weights), pnetBefore)).toBe(false);
    expect(changed(snapshot(crf.weights), crfBefore)).toBe(true);

    pnet.trainable = true;
    const pnetMid = snapshot(pnet.weights);
    await trainStep(joint, tf.train.adam(1e-4), [image, label]);
    expect(changed(snapshot(pnet.weights), pnetMid)).toBe(true);
  }, 120_000);
});

describe('input checks on the wasm backend (finiteness tested by the backend, values read only on failure)', () => {
  it('accepts finite inputs and names the first NaN or infinite value', () => {
    const u = tf.randomNormal([1, 6, 6, 2]);
    const img = tf.randomUniform([1, 6, 6, 1]);
    expect(crfNetF().apply([u, img])).toBeInstanceOf(tf.Tensor);
    const values = new Float32Array(72);
    values[13] = Number.NaN;
    expect(() => crfNetF().apply([tf.tensor(values, [1, 6, 6, 2]), img])).toThrow(/unaryLogits must hold only finite values; found NaN at flat index 13/);
    expect(() => crfNetF().apply([u, tf.fill([1, 6, 6, 1], Number.NEGATIVE_INFINITY)])).toThrow(/image must hold only finite values; found -Infinity at flat index 0/);
  });
});
