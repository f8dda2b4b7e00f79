import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend.js';
import { diceScore, softDiceLoss, weightedCrossEntropy } from '../src/training/losses.js';
import { randomArray } from './reference.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const voxels = 60;
const classes = 3;
const logitsData = randomArray(voxels * classes, 41).map((v) => 3 * v);
const labelData = Int32Array.from(randomArray(voxels, 42), (v) => Math.floor((v + 1) * 1.5));

/** float64 softmax of voxel v. */
function probs(v: number): number[] {
  const l = [...logitsData.subarray(v * classes, v * classes + classes)];
  const m = Math.max(...l);
  const e = l.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b);
  return e.map((x) => x / s);
}

describe('losses against float64 references', () => {
  const logits = () => tf.tensor(logitsData, [2, 5, 6, classes]);
  const labels = () => tf.tensor(labelData, [2, 5, 6], 'int32');

  it('weightedCrossEntropy = Σ w[y]·(−log p_y) / Σ w[y] (PyTorch CrossEntropyLoss(weight))', () => {
    const w = [0.2, 1.0, 3.0];
    let num = 0;
    let den = 0;
    for (let v = 0; v < voxels; v++) {
      const y = labelData[v]!;
      num += w[y]! * -Math.log(probs(v)[y]!);
      den += w[y]!;
    }
    expect(weightedCrossEntropy(labels(), logits(), w).dataSync()[0]).toBeCloseTo(num / den, 5);
    // One-hot labels give the same value.
    const oneHot = tf.reshape(tf.oneHot(tf.reshape(labels(), [-1]), classes), [2, 5, 6, classes]);
    expect(weightedCrossEntropy(tf.cast(oneHot, 'float32'), logits(), w).dataSync()[0]).toBeCloseTo(num / den, 5);
  });

  it('softDiceLoss = 1 − mean_c (2Σpy + s)/(Σp + Σy + s)', () => {
    const inter = [0, 0, 0];
    const total = [0, 0, 0];
    for (let v = 0; v < voxels; v++) {
      const p = probs(v);
      for (let c = 0; c < classes; c++) {
        const y = labelData[v] === c ? 1 : 0;
        inter[c]! += p[c]! * y;
        total[c]! += p[c]! + y;
      }
    }
    const dice = inter.map((i, c) => (2 * i + 1e-5) / (total[c]! + 1e-5));
    expect(softDiceLoss(labels(), logits()).dataSync()[0]).toBeCloseTo(1 - (dice[0]! + dice[1]! + dice[2]!) / 3, 5);
    expect(softDiceLoss(labels(), logits(), { excludeBackground: true }).dataSync()[0]).toBeCloseTo(1 - (dice[1]! + dice[2]!) / 2, 5);
  });

  it('diceScore counts argmax overlap', () => {
    let inter = 0;
    let pred = 0;
    let truth = 0;
    for (let v = 0; v < voxels; v++) {
      const p = probs(v);
      const arg = p.indexOf(Math.max(...p));
      if (arg === 1) pred++;
      if (labelData[v] === 1) truth++;
      if (arg === 1 && labelData[v] === 1) inter++;
    }
    expect(diceScore(labels(), logits(), 1)).toBeCloseTo((2 * inter) / (pred + truth), 10);
  });

  it('rejects bad class weights', () => {
    expect(() => weightedCrossEntropy(labels(), logits(), [1, 2])).toThrowError(/classWeights must be 3 non-negative numbers/);
  });
});
