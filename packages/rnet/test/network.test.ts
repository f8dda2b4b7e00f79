import { initBackend } from '@deepigeos/pnet';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError } from '../src/errors.js';
import { foregroundProbability, inferenceWindow, WHOLE_INPUT_MIN_PATCH } from '../src/network.js';

beforeAll(async () => {
  await initBackend();
});

describe('foregroundProbability', () => {
  it('equals channel 1 of tf.softmax, also for extreme logits', async () => {
    const random = tf.randomNormal([1, 5, 6, 7, 2], 0, 4, 'float32', 3);
    const extremes = tf.tensor([100, -100, -100, 100, 0, 0, 88, 89, -1e30, 1e30, 40, 40.5], [1, 6, 2]);
    for (const logits of [random, extremes]) {
      const expected = tf.tidy(() => tf.slice(tf.softmax(logits), [...new Array(logits.rank - 1).fill(0), 1], [...logits.shape.slice(0, -1), 1]));
      const got = await foregroundProbability(logits);
      const want = (await expected.data()) as Float32Array;
      expect(got.length).toBe(want.length);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6);
      expected.dispose();
    }
    tf.dispose([random, extremes]);
  });

  it('rejects logits that are not two-class', async () => {
    const three = tf.zeros([1, 4, 4, 3]);
    await expect(foregroundProbability(three)).rejects.toThrow(ShapeError);
    three.dispose();
  });
});

describe('inferenceWindow', () => {
  it('keeps windows for nets trained on patches under 48³ and runs larger or unknown ones on the whole input', () => {
    expect(WHOLE_INPUT_MIN_PATCH).toBe(48);
    expect(inferenceWindow(24)).toBe(24);
    expect(inferenceWindow(47)).toBe(47);
    expect(inferenceWindow(48)).toBeUndefined();
    expect(inferenceWindow(96)).toBeUndefined();
    expect(inferenceWindow(undefined)).toBeUndefined();
  });
});
