import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, crfNetF, pretrainPairwiseNet, ShapeError } from '../src/index.js';
import { rng } from './helpers.js';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { initBackend } from '@deepigeos/pnet';

// Training runs on the wasm backend (several times faster than cpu here); also exercises it.
beforeAll(async () => {
  expect(await initBackend('wasm')).toBe('wasm');
});

/**
 * Synthetic task: a random ellipse on a 32×32 image (clean-ish intensity edges) and a deliberately
 * weak unary: ±0.8 logits for the true label plus heavy per-pixel noise (~75 % pixel accuracy).
 */
function makeTask(count: number, seed: number) {
  const random = rng(seed);
  const H = 32;
  const W = 32;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const images = new Float32Array(count * H * W);
  const truth = new Float32Array(count * H * W);
  const unary = new Float32Array(count * H * W * 2);
  for (let n = 0; n < count; n++) {
    const cy = 10 + random() * 12;
    const cx = 10 + random() * 12;
    const ry = 5 + random() * 5;
    const rx = 5 + random() * 5;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (n * H + y) * W + x;
        const inside = ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1 ? 1 : 0;
        truth[i] = inside;
        images[i] = 0.3 + 0.4 * inside + 0.08 * gauss();
        unary[i * 2 + 1] = (inside ? 0.8 : -0.8) + 1.2 * gauss();
      }
    }
  }
  return {
    images: tf.tensor(images, [count, H, W, 1]),
    truth: tf.tensor(truth, [count, H, W, 1]),
    unaries: tf.tensor(unary, [count, H, W, 2]),
  };
}

function dice(logits: tf.Tensor, truth: tf.Tensor): number {
  const l = logits.dataSync();
  const t = truth.dataSync();
  let inter = 0;
  let sum = 0;
  for (let i = 0; i < t.length; i++) {
    const p = l[i * 2 + 1]! > l[i * 2]! ? 1 : 0;
    inter += p * t[i]!;
    sum += p + t[i]!;
  }
  return (2 * inter) / sum;
}

describe('Pairwise-Net pre-training', () => {
  it('learns "same label or not" for window pairs (balanced accuracy > 0.85, loss falls)', () => {
    const task = makeTask(4, 1);
    const layer = crfNetF({ hiddenUnits: [16, 8] });
    layer.apply([task.unaries, task.images]);
    const result = pretrainPairwiseNet(layer, { images: task.images, labels: task.truth, steps: 60, pairsPerStep: 1024, learningRate: 0.02 });
    expect(result.losses).toHaveLength(60);
    const early = result.losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const late = result.losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(late).toBeLessThan(early * 0.7);
    expect(result.balancedAccuracy).toBeGreaterThan(0.85);
  });
  it('rejects unbuilt layers and mismatched labels', () => {
    const task = makeTask(1, 2);
    expect(() => pretrainPairwiseNet(crfNetF(), { images: task.images, labels: task.truth })).toThrow(ArgumentError);
    const layer = crfNetF();
    layer.apply([task.unaries, task.images]);
    expect(() => pretrainPairwiseNet(layer, { images: task.images, labels: tf.zeros([1, 32, 31, 1]) })).toThrow(ShapeError);
    expect(() => pretrainPairwiseNet(layer, { images: task.images, labels: task.truth, steps: 0 })).toThrow(/steps must be an integer >= 1/);
  });
});

describe('CRF-Net(f) training effect', () => {
  it('trained jointly (Pairwise-Net + compatibility), it raises Dice of a weak unary on held-out images by > 0.2', () => {
    const train = makeTask(4, 3);
    const test = makeTask(6, 4);
    const layer = crfNetF({ window: [5, 5], hiddenUnits: [16, 8], trainIterations: 5, inferenceIterations: 10 });
    layer.apply([train.unaries, train.images]);
    pretrainPairwiseNet(layer, { images: train.images, labels: train.truth, steps: 40, pairsPerStep: 1024, learningRate: 0.02 });
    const optimizer = tf.train.adam(0.02);
    const target = tf.concat([tf.sub(1, train.truth), train.truth], -1);
    const losses: number[] = [];
    for (let step = 0; step < 15; step++) {
      const cost = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(target, layer.apply([train.unaries, train.images], { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      );
      losses.push(cost!.dataSync()[0]!);
    }
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    const before = dice(test.unaries, test.truth);
    const after = dice(layer.apply([test.unaries, test.images]) as tf.Tensor, test.truth);
    expect(after).toBeGreaterThan(before + 0.2);
  }, 60_000);
});
