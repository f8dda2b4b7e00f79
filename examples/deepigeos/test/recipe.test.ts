import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { percentileOfSorted, zScoreNonZero } from '../src/data/preprocess.js';
import { createRng } from '../src/rng.js';
import { rnetTrainingBatch } from '../src/train/train-rnet.js';
import { DEFAULT_EPOCHS, learningRateAt, progressFraction, setLearningRate, stepBudget } from '../src/train/schedule.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('training schedule', () => {
  it('uses the whole time budget when only maxMinutes is given, else epochs × steps', () => {
    expect(stepBudget({ epochs: null, stepsPerEpoch: 50, maxMinutes: 6 })).toBe(Number.POSITIVE_INFINITY);
    expect(stepBudget({ epochs: null, stepsPerEpoch: 50, maxMinutes: null })).toBe(DEFAULT_EPOCHS * 50);
    expect(stepBudget({ epochs: 3, stepsPerEpoch: 7, maxMinutes: 6 })).toBe(21);
  });
  it('progress is the larger of the step and the time fraction, capped at 1', () => {
    expect(progressFraction(10, 100, 0, Number.POSITIVE_INFINITY)).toBeCloseTo(0.1);
    expect(progressFraction(10, Number.POSITIVE_INFINITY, 30_000, 60_000)).toBeCloseTo(0.5);
    expect(progressFraction(90, 100, 30_000, 60_000)).toBeCloseTo(0.9);
    expect(progressFraction(500, 100, 0, 1)).toBe(1);
  });
  it('cosine: warm-up, peak, half way at the midpoint (cos formula), floor at the end', () => {
    const base = 1e-3;
    const min = 0.05;
    expect(learningRateAt('cosine', base, 0, min)).toBeCloseTo(base * 0.1, 12);
    expect(learningRateAt('cosine', base, 0.02, min)).toBeCloseTo(base, 12);
    // At the midpoint of the decay cos(π/2) = 0: (min + 1) / 2 of the base rate.
    expect(learningRateAt('cosine', base, 0.02 + 0.98 / 2, min)).toBeCloseTo((base * (1 + min)) / 2, 12);
    expect(learningRateAt('cosine', base, 1, min)).toBeCloseTo(base * min, 12);
    expect(learningRateAt('constant', base, 0.7, min)).toBe(base);
    let prev = Number.POSITIVE_INFINITY;
    for (let p = 0.02; p <= 1; p += 0.01) {
      const lr = learningRateAt('cosine', base, p, min);
      expect(lr).toBeLessThanOrEqual(prev + 1e-15);
      prev = lr;
    }
  });
  it('setLearningRate changes the step size of a tfjs Adam optimiser', () => {
    // Adam's first step moves each weight by ≈ the learning rate (sign of the gradient).
    const step = (rate: number) => {
      const v = tf.variable(tf.scalar(1));
      const opt = tf.train.adam(1);
      setLearningRate(opt, rate);
      opt.minimize(() => tf.mul(v, 3) as tf.Scalar, false, [v]);
      const moved = 1 - v.dataSync()[0]!;
      v.dispose();
      opt.dispose();
      return moved;
    };
    expect(step(0.01)).toBeCloseTo(0.01, 5);
    expect(step(0.001)).toBeCloseTo(0.001, 6);
  });
});

describe('robust normalisation', () => {
  it('percentiles interpolate linearly between order statistics (numpy "linear")', () => {
    const s = Float32Array.from([1, 2, 3, 4, 5]);
    expect(percentileOfSorted(s, 0)).toBe(1);
    expect(percentileOfSorted(s, 100)).toBe(5);
    expect(percentileOfSorted(s, 50)).toBe(3);
    expect(percentileOfSorted(s, 12.5)).toBeCloseTo(1.5);
  });
  it('clipping keeps one extreme voxel from dominating the z-score; zero background stays 0', () => {
    // 1000 tissue voxels 100..199 (repeated), one artefact at 1e6, and zero background.
    const n = 1200;
    const data = new Float32Array(n);
    for (let i = 0; i < 1000; i++) data[i] = 100 + (i % 100);
    data[1000] = 1e6;
    const image = { data, shape: [n], channels: 1, spacing: [1] };
    const plain = zScoreNonZero(image).data;
    const robust = zScoreNonZero(image, [0.5, 99.5]).data;
    // Reference by hand: clip to the percentiles of the 1001 non-zero values, then mean/std.
    const sorted = Float32Array.from(data.subarray(0, 1001)).sort();
    const lo = percentileOfSorted(sorted, 0.5);
    const hi = percentileOfSorted(sorted, 99.5);
    const clipped = Array.from(sorted, (v) => Math.min(Math.max(v, lo), hi));
    const mean = clipped.reduce((a, b) => a + b, 0) / clipped.length;
    const std = Math.sqrt(clipped.reduce((a, b) => a + (b - mean) ** 2, 0) / clipped.length);
    expect(robust[0]).toBeCloseTo((100 - mean) / std, 4);
    expect(robust[1000]).toBeCloseTo((hi - mean) / std, 4);
    expect(robust[1100]).toBe(0);
    // Without clipping the tissue is squashed into a sliver around one value.
    const spread = (a: Float32Array) => Math.abs(a[99]! - a[0]!);
    expect(spread(plain)).toBeLessThan(0.01);
    expect(spread(robust)).toBeGreaterThan(3);
  });
  it('normalises each channel on its own', () => {
    const data = new Float32Array(200);
    for (let i = 0; i < 100; i++) {
      data[2 * i] = i + 1;
      data[2 * i + 1] = 1000 * (i + 1);
    }
    const out = zScoreNonZero({ data, shape: [100], channels: 2, spacing: [1] }, [0.5, 99.5]).data;
    for (let i = 0; i < 100; i++) expect(out[2 * i]).toBeCloseTo(out[2 * i + 1]!, 4);
  });
});

describe('R-Net training on multi-round interaction', () => {
  // Stub networks: constant two-class logits (background-only P-Net, foreground-everywhere R-Net).
  const constant = (fg: boolean) => ({
    predict: (x: tf.Tensor) => tf.tidy(() => tf.concat([tf.fill([...x.shape.slice(0, -1), 1], fg ? -5 : 5), tf.fill([...x.shape.slice(0, -1), 1], fg ? 5 : -5)], -1)),
  });
  const sample = () => {
    const [h, w] = [24, 24];
    const label = new Uint8Array(h * w);
    for (let y = 6; y < 18; y++) for (let x = 6; x < 18; x++) label[y * w + x] = 1;
    const data = Float32Array.from(label, (v) => (v ? 1 : 0));
    return { image: { data, shape: [h, w], channels: 1, spacing: [1, 1] }, label };
  };
  const sum = (a: Uint8Array) => a.reduce((n, v) => n + v, 0);
  const config = { trainingRounds: 2, fallbackClickProbability: 0, noSeedProbability: 0, lambda: 1, interactionMode: 'clicks' as const };

  it("later rounds refine R-Net's own output with every seed so far; round 1 refines P-Net's", async () => {
    const batch = await rnetTrainingBatch(constant(false), Array.from({ length: 12 }, sample), createRng(3), config, constant(true));
    let first = 0;
    let later = 0;
    for (const s of batch) {
      expect(s.image.channels).toBe(4);
      const prob = Array.from({ length: s.label.length }, (_, i) => s.image.data[i * 4 + 1]!);
      const mean = prob.reduce((a, b) => a + b, 0) / prob.length;
      // Round 1: P-Net missed the whole square, the user clicked inside it (fg only).
      expect(sum(s.fgSeeds!)).toBeGreaterThan(0);
      if (mean < 0.1) {
        first++;
        expect(sum(s.bgSeeds!)).toBe(0);
      } else {
        later++;
        // Round 2: the input is R-Net's round-1 output (foreground everywhere, the round-1 fg seeds
        // imposed), and the user clicked the leak it left (new bg seeds enter through G(bg)).
        expect(sum(s.bgSeeds!)).toBeGreaterThan(0);
        for (let i = 0; i < prob.length; i++) expect(prob[i]).toBeGreaterThan(0.999);
      }
    }
    expect(first).toBeGreaterThan(0);
    expect(later).toBeGreaterThan(0);
  }, 30_000);

  it('without an R-Net (validation) every sample is a first round', async () => {
    const batch = await rnetTrainingBatch(constant(false), Array.from({ length: 4 }, sample), createRng(3), config);
    for (const s of batch) expect(sum(s.bgSeeds!)).toBe(0);
  }, 30_000);
});

describe('CRF stages on 3D samples', () => {
  it('crop 3D samples to their centre (image channels, label and seeds alike) and leave 2D and small samples whole', async () => {
    const { crfCrop } = await import('../src/train/crf.js');
    const shape = [40, 50, 20];
    const n = shape[0]! * shape[1]! * shape[2]!;
    const data = Float32Array.from({ length: n * 2 }, (_, i) => i);
    const label = Uint8Array.from({ length: n }, (_, i) => i % 7);
    const fg = Uint8Array.from({ length: n }, (_, i) => i % 3);
    const s = { image: { data, shape, channels: 2, spacing: [1, 1, 1] }, label, imageChannels: 1, fgSeeds: fg };
    const c = crfCrop(s, 32);
    expect(c.image.shape).toEqual([32, 32, 20]);
    expect(c.bgSeeds).toBeUndefined();
    // Brute force: output voxel (z, y, x) is input voxel (z + 4, y + 9, x).
    for (const [z, y, x] of [[0, 0, 0], [31, 31, 19], [10, 20, 5]] as const) {
      const o = (z * 32 + y) * 20 + x;
      const i = ((z + 4) * 50 + y + 9) * 20 + x;
      expect([c.image.data[2 * o], c.image.data[2 * o + 1], c.label[o], c.fgSeeds![o]]).toEqual([data[2 * i], data[2 * i + 1], label[i], fg[i]]);
    }
    expect(crfCrop(s, 64)).toBe(s);
    const flat = { ...s, image: { ...s.image, shape: [40, 50] } };
    expect(crfCrop(flat, 32)).toBe(flat);
  });
});
