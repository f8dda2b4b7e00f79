import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { createPNet2D, createPNet3D } from '../src/models/pnet.js';
import { diceScore } from '../src/training/losses.js';
import { trainStep } from '../src/training/train-step.js';
import { randomArray } from './reference.js';
import { blobBatch, rng } from './synthetic.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Deterministic He-uniform kernels (tfjs' initializers are unseeded); with dropout 0 and seeded data the whole run is reproducible. */
function seedKernels(model: tfl.LayersModel, seed: number): void {
  model.weights.forEach((w, i) => {
    if (!w.name.includes('kernel')) return;
    const shape = w.shape as number[];
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const limit = Math.sqrt(6 / fanIn);
    w.write(tf.tensor(randomArray(w.read().size, seed + i).map((v) => v * limit), shape));
  });
}

async function trainAndScore(
  model: tfl.LayersModel,
  shape: number[],
  steps: number,
  batchSize: number,
  learningRate: number,
): Promise<{ dice: number; firstLoss: number; lastLoss: number }> {
  seedKernels(model, 1000);
  const rand = rng(42);
  const optimizer = tf.train.adam(learningRate);
  let firstLoss = Number.NaN;
  let lastLoss = Number.NaN;
  for (let step = 0; step < steps; step++) {
    const { image, label } = blobBatch(batchSize, shape, rand);
    const x = tf.tensor(image, [batchSize, ...shape, 1]);
    const y = tf.tensor(label, [batchSize, ...shape], 'int32');
    const loss = await trainStep(model, optimizer, [x, y], { loss: 'crossEntropy+dice' });
    if (step === 0) firstLoss = loss;
    lastLoss = loss;
    tf.dispose([x, y]);
  }
  // Held-out images from another seed.
  const test = blobBatch(4, shape, rng(7));
  const x = tf.tensor(test.image, [4, ...shape, 1]);
  const y = tf.tensor(test.label, [4, ...shape], 'int32');
  const dice = diceScore(y, model.predict(x) as tf.Tensor);
  optimizer.dispose();
  return { dice, firstLoss, lastLoss };
}

describe('learning on synthetic blobs (wasm)', () => {
  it('2D P-Net reaches Dice > 0.9 on held-out images', async () => {
    const model = createPNet2D({ inputChannels: 1, numClasses: 2, channels: 8, dropout: 0 });
    const t0 = performance.now();
    const r = await trainAndScore(model, [32, 32], 200, 4, 3e-3);
    console.log(`2D: dice ${r.dice.toFixed(3)} loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.dice).toBeGreaterThan(0.9);
  });

  it('3D P-Net reaches Dice > 0.9 on held-out volumes', async () => {
    const model = createPNet3D({ inputChannels: 1, numClasses: 2, channels: 8, dropout: 0 });
    const t0 = performance.now();
    const r = await trainAndScore(model, [12, 16, 16], 175, 1, 5e-3);
    console.log(`3D: dice ${r.dice.toFixed(3)} loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.dice).toBeGreaterThan(0.9);
  });
});
